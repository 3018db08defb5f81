"""Conv2D by explicit loops: one window times one filter per output pixel, and its backward.

Images are channels-last, ``x[n, row, col, c]``; the kernel is ``W[p, q, c, f]``
(``kh × kw × in × filters``). ``xp`` is ``x`` zero-padded (``'same'``) or ``x`` (``'valid'``).

Forward, strides ``(sh, sw)``:

    z[n, i, j, f] = Σ_p Σ_q Σ_c xp[n, i·sh + p, j·sw + q, c] · W[p, q, c, f] + b[f]

Backward, with ``dz = ∂L/∂z`` from above (after the activation's ``f'``, as in Dense):

- ``∂z[n, i, j, f]/∂W[p, q, c, f] = xp[n, i·sh + p, j·sw + q, c]``: every output pixel of
  filter ``f`` used ``W[p, q, c, f]`` once, so
  ``dW[p, q, c, f] = Σ_{n,i,j} xp[n, i·sh + p, j·sw + q, c]·dz[n, i, j, f]``.
- ``db[f] = Σ_{n,i,j} dz[n, i, j, f]``.
- A pixel of ``xp`` feeds every window that covers it, so its gradient is a sum over those
  windows: ``dxp[n, i·sh + p, j·sw + q, c] += W[p, q, c, f]·dz[n, i, j, f]``. Cropping the
  padding off ``dxp`` gives ``dx``.

Fast form: ``tinynet/layers/conv.py``. It copies every window into one row of a matrix
(im2col) so the forward sum is one matrix product, ``dW = colsᵀ·dz``, and the scatter-add
of ``dx`` becomes ``kh·kw`` strided slice-adds (col2im).
"""

import numpy as np


# 'same': out = ceil(n / s); the total padding (out − 1)·s + k − n, the odd one after, as TF
def padding_of(n, k, s, padding):
    """``(before, after)`` zero rows (or columns) along one axis of length ``n``."""
    if padding == "valid":
        return 0, 0
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad(x, window, strides, padding, value=0.0):
    """``x`` padded for ``window`` and ``strides``, and the ``[(top, bottom), (left, right)]``."""
    pads = [padding_of(x.shape[1 + a], window[a], strides[a], padding) for a in (0, 1)]
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value), pads


# z[n, i, j, f] = Σ_pqc xp[n, i·sh + p, j·sw + q, c]·W[p, q, c, f] + b[f]
def conv2d(x, kernel, bias, strides=(1, 1), padding="valid"):
    """The convolution of an NHWC batch, one output pixel and one filter at a time."""
    kh, kw, _, filters = kernel.shape
    (sh, sw), (xp, _) = strides, pad(x, (kh, kw), strides, padding)
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    z = np.empty((len(x), oh, ow, filters), dtype=np.result_type(x, kernel))
    for n in range(len(x)):
        for i in range(oh):
            for j in range(ow):
                window = xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw]
                for f in range(filters):
                    z[n, i, j, f] = np.sum(window * kernel[..., f]) + bias[f]
    return z


# dW[..., f] += window·dz[n, i, j, f]     db[f] += dz[n, i, j, f]     dxp[window] += W[..., f]·dz
def conv2d_backward(x, kernel, dz, strides=(1, 1), padding="valid"):
    """``(dx, dkernel, dbias)`` for ``dz = ∂L/∂z``, one output pixel and one filter at a time."""
    kh, kw, _, _ = kernel.shape
    (sh, sw), (xp, pads) = strides, pad(x, (kh, kw), strides, padding)
    dkernel, dbias, dxp = np.zeros(kernel.shape), np.zeros(kernel.shape[-1]), np.zeros(xp.shape)
    for n, i, j, f in np.ndindex(*dz.shape):
        rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
        dkernel[..., f] += xp[n, rows, cols] * dz[n, i, j, f]
        dbias[f] += dz[n, i, j, f]
        dxp[n, rows, cols] += kernel[..., f] * dz[n, i, j, f]
    (top, _), (left, _) = pads
    return dxp[:, top:top + x.shape[1], left:left + x.shape[2]], dkernel, dbias
