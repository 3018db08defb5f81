"""Dense as index sums, ``y[n, j] = Σ_i x[n, i]·W[i, j] + b[j]``, and its gradients derived.

Derivation, one scalar at a time. ``dy[n, j] = ∂L/∂y[n, j]`` arrives from above.

- ``W[i, j]`` reaches the loss only through the outputs ``y[n, j]`` of column ``j``, and
  ``∂y[n, j]/∂W[i, j] = x[n, i]``. The chain rule sums over those outputs:
  ``dW[i, j] = Σ_n x[n, i]·dy[n, j]``, which is the matrix product ``dW = xᵀ·dy``.
- ``∂y[n, j]/∂b[j] = 1``, so ``db[j] = Σ_n dy[n, j]``: the column sums of ``dy``.
- ``x[n, i]`` reaches every output of its own sample, with ``∂y[n, j]/∂x[n, i] = W[i, j]``:
  ``dx[n, i] = Σ_j dy[n, j]·W[i, j]``, which is ``dx = dy·Wᵀ``.

With an activation, ``z = x·W + b`` and ``y = f(z)``: first ``dz = f'(z) ⊙ dy``
(``textbook/activations.py``), then the three sums with ``dz`` in place of ``dy``.
Fast form: ``tinynet/layers/dense.py`` (the same sums as matrix products).
"""

import numpy as np


# y[n, j] = Σ_i x[n, i]·W[i, j] + b[j]
def dense_forward(x, W, b):
    """The output of a linear Dense layer for a batch ``x`` of shape ``(N, in)``."""
    (N, n_in), n_out = x.shape, W.shape[1]
    y = np.zeros((N, n_out), dtype=np.result_type(x, W))
    for n in range(N):
        for j in range(n_out):
            y[n, j] = sum(x[n, i] * W[i, j] for i in range(n_in)) + b[j]
    return y


# dW[i, j] = Σ_n x[n, i]·dy[n, j]     db[j] = Σ_n dy[n, j]     dx[n, i] = Σ_j dy[n, j]·W[i, j]
def dense_backward(x, W, dy):
    """``(dx, dW, db)`` for the upstream gradient ``dy`` of shape ``(N, units)``."""
    (N, n_in), n_out = x.shape, W.shape[1]
    dx, dW, db = np.zeros(x.shape), np.zeros(W.shape), np.zeros(n_out)
    for n in range(N):
        for j in range(n_out):
            db[j] += dy[n, j]
            for i in range(n_in):
                dW[i, j] += x[n, i] * dy[n, j]
                dx[n, i] += dy[n, j] * W[i, j]
    return dx, dW, db
