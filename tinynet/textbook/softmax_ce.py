"""Softmax then cross-entropy: the gradient at the logits the long way, then ``(p − t)/N``.

A batch of ``N`` rows of logits ``z`` (``N × C``), probabilities ``p = softmax(z)`` and
targets ``t`` (one-hot, or any rows that sum to 1). The loss is the mean over samples

    L = −(1/N)·Σ_n Σ_i t[n, i]·log p[n, i].

**The long way** (``backward_through_jacobian``). Step 1, the loss's own gradient:
``∂L/∂p[n, i] = −t[n, i] / (N·p[n, i])``. Step 2, back through softmax with its Jacobian
``∂p_i/∂z_k = p_i·(δ_ik − p_k)`` (``textbook/activations.py``):

    dz_k = Σ_i ∂L/∂p_i · ∂p_i/∂z_k = Σ_i (−t_i / (N·p_i))·p_i·(δ_ik − p_k)
         = (1/N)·(−t_k + p_k·Σ_i t_i).

**The shortcut** (``backward``). Each target row sums to 1, so ``Σ_i t_i = 1`` and

    dz = (p − t) / N.

The ``p_i`` of the loss cancels the ``p_i`` of the Jacobian: no division by a tiny
probability, no ``C × C`` matrix. That is why Keras fuses the pair when the last activation
is softmax, computing ``L`` from the logits by log-sum-exp, ``log p_i = z_i − log Σ_k e^z_k``,
with no clipping. (Sigmoid with binary cross-entropy cancels the same way, to ``(σ(z) − t)``
over the number of entries.) Fast form: ``CategoricalCrossentropy.from_logits`` and
``SparseCategoricalCrossentropy.from_logits`` in ``tinynet/losses.py``.
"""

import numpy as np

from tinynet.textbook.activations import softmax, softmax_jacobian


# L = −(1/N)·Σ_n Σ_i t·log p
def cross_entropy(t, p):
    return float(-np.sum(t * np.log(p)) / len(p))


# ∂L/∂p = −t / (N·p)
def cross_entropy_gradient(t, p):
    return -t / (len(p) * p)


# dz = Jᵀ·(∂L/∂p), one row at a time
def backward_through_jacobian(t, z):
    """``∂L/∂z`` by the chain rule with the full softmax Jacobian of each row."""
    p = softmax(z)
    dp = cross_entropy_gradient(t, p)
    dz = np.zeros(z.shape)
    for n in range(len(z)):
        dz[n] = softmax_jacobian(p[n]).T @ dp[n]
    return dz


# dz = (p − t) / N
def backward(t, z):
    """``∂L/∂z`` by the shortcut: needs every row of ``t`` to sum to 1."""
    return (softmax(z) - t) / len(z)


def one_hot(labels, classes):
    """Integer labels ``(N,)`` as one-hot rows ``(N, classes)``, the sparse loss's targets."""
    t = np.zeros((len(labels), classes))
    t[np.arange(len(labels)), labels] = 1
    return t
