"""Max-pooling by explicit loops, with the gradient routed back to each window's maximum.

Forward: ``y[n, i, j, c] = max_{p,q} xp[n, i·sh + p, j·sw + q, c]``, where ``xp`` is ``x``
padded with −∞ for ``'same'`` (so the padding never wins).

Backward: within one window ``y = max(x_1, …, x_k)`` is locally just the winner, ``y = x_w``,
so ``∂y/∂x_w = 1`` and ``∂y/∂x_other = 0``: the window's ``dy`` goes to the winner alone.
Overlapping windows (strides smaller than the pool) add up. On a tie the max is not
differentiable; TF (and tinynet) give everything to the first maximum in row-major order
(top row first, then left to right), which is what ``np.argmax`` picks.

Fast form: ``tinynet/layers/pooling.py`` (a reshape into blocks when windows tile the
input, a sliding-window view otherwise; both give these numbers, ties included).
"""

import numpy as np

from tinynet.textbook.conv import pad


def _padded(x, pool_size, strides, padding):
    """``x`` padded with −∞, its padding, and the output's ``(oh, ow)``."""
    (ph, pw), (sh, sw) = pool_size, strides
    xp, pads = pad(x, pool_size, strides, padding, value=-np.inf)
    return xp, pads, ((xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1)


# y[n, i, j, c] = max over the window at (i·sh, j·sw)
def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    (ph, pw), (sh, sw) = pool_size, strides or pool_size
    xp, _, (oh, ow) = _padded(x, pool_size, (sh, sw), padding)
    y = np.empty((len(x), oh, ow, x.shape[-1]), dtype=x.dtype)
    for n, i, j, c in np.ndindex(*y.shape):
        y[n, i, j, c] = xp[n, i * sh:i * sh + ph, j * sw:j * sw + pw, c].max()
    return y


# dx[the window's first maximum] += dy[n, i, j, c]
def max_pool2d_backward(x, dy, pool_size=(2, 2), strides=None, padding="valid"):
    """``dx`` for ``dy``: each window's gradient to its first maximum (row-major)."""
    (ph, pw), (sh, sw) = pool_size, strides or pool_size
    xp, ((top, _), (left, _)), _ = _padded(x, pool_size, (sh, sw), padding)
    dx = np.zeros(x.shape)
    for n, i, j, c in np.ndindex(*dy.shape):
        window = xp[n, i * sh:i * sh + ph, j * sw:j * sw + pw, c]
        p, q = divmod(int(np.argmax(window)), pw)  # np.argmax: the first maximum, row-major
        dx[n, i * sh + p - top, j * sw + q - left, c] += dy[n, i, j, c]
    return dx
