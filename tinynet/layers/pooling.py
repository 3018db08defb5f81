"""MaxPooling2D: the largest value of each window, with the gradient routed back to it."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinynet.layers.base_pooling import Pooling2D
from tinynet.layers.conv import check_image_input


class MaxPooling2D(Pooling2D):
    """Max pooling over NHWC images, as ``keras.layers.MaxPooling2D``.

    In backward each window's gradient goes to its maximum. On a tie it all goes to the first
    maximum in row-major order (top row first, then left to right), as TF's ``MaxPoolGrad``
    does; the other tied entries get none. With ``'same'`` the padding is −∞, so it never wins.

    Two paths give the same numbers. When the windows tile the input (strides equal the pool
    and, for ``'same'``, the pool divides the input) a reshape into blocks does the work;
    otherwise a sliding-window view does. Textbook twin, by loops: ``tinynet/textbook/pooling.py``.

    Args:
        pool_size: window ``(ph, pw)``, or one int for a square window.
        strides: step ``(sh, sw)`` between windows, or one int; ``None`` means ``pool_size``.
        padding: ``'valid'`` (output ``floor((n − p) / s) + 1``; leftover rows and columns are
            dropped) or ``'same'`` (output ``ceil(n / s)``).
        **kwargs: ``name``, ``dtype``, ``input_shape``.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", **kwargs):
        super().__init__(pool_size, strides, padding, **kwargs)  # Keras's default window: 2×2

    def build(self, input_shape):
        super().build(input_shape)
        # the windows tile the input, less what 'valid' drops: the reshape path applies
        self.tiled = self.strides == self.pool_size and not any(map(sum, self.pads))

    # y[n, i, j, c] = max over p, q of x[n, i·sh + p, j·sw + q, c]
    def forward(self, x, training=False):
        x = self._prepare(check_image_input(x, self))
        return self.forward_blocks(x) if self.tiled else self.forward_windows(x)

    # dx[n, i·sh + p, j·sw + q, c] += dy[n, i, j, c] where (p, q) is the window's first argmax
    def backward(self, dy):
        dy = np.asarray(dy, dtype=self.dtype)
        return self.backward_blocks(dy) if self.tiled else self.backward_windows(dy)

    # blocks = x reshaped to (N, oh, ph, ow, pw, C);  y = max over the ph and pw axes
    def forward_blocks(self, x):
        """The reshape path, for windows that tile the input; caches the winners as ``mask``."""
        (oh, ow, c), (ph, pw) = self.output_shape, self.pool_size
        blocks = x[:, :oh * ph, :ow * pw].reshape(len(x), oh, ph, ow, pw, c)
        y = blocks[:, :, 0, :, 0].copy()
        for p in range(ph):  # pairwise maxima: much faster than blocks.max(axis=(2, 4))
            for q in range(pw):
                np.maximum(y, blocks[:, :, p, :, q], out=y)
        self.mask = blocks == y[:, :, None, :, None]  # every maximum of each window...
        taken = np.zeros(y.shape, dtype=bool)
        for p in range(ph):  # ...then only the first, in row-major order
            for q in range(pw):
                first = self.mask[:, :, p, :, q]
                first &= ~taken
                taken |= first
        return y

    # dx = mask ⊙ dy copied over each block (rows and columns that 'valid' dropped get 0)
    def backward_blocks(self, dy):
        (oh, ow, c), (ph, pw) = self.output_shape, self.pool_size
        dx = np.zeros((len(dy), *self.input_shape), dtype=self.dtype)
        spread = self.mask * dy[:, :, None, :, None]
        dx[:, :oh * ph, :ow * pw] = spread.reshape(len(dy), oh * ph, ow * pw, c)
        return dx

    # windows = sliding_window_view(x padded with −∞);  y = max of each window
    def forward_windows(self, x):
        """The general path, any strides and padding; caches the winners as ``argmax``."""
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        if self.padding == "same":
            x = np.pad(x, [(0, 0), *self.pads, (0, 0)], constant_values=-np.inf)
        windows = sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]
        windows = windows.reshape(*windows.shape[:4], ph * pw)  # (N, oh, ow, C, ph·pw)
        self.argmax = windows.argmax(axis=-1)  # np.argmax picks the first maximum, as TF does
        return np.take_along_axis(windows, self.argmax[..., None], axis=-1)[..., 0]

    # one strided add per window offset (p, q), of the dy whose argmax is that offset
    def backward_windows(self, dy):
        (oh, ow, _), (ph, pw), (sh, sw) = self.output_shape, self.pool_size, self.strides
        h, w, c = self.input_shape
        dxp = np.zeros((len(dy), *self.padded_hw, c), dtype=self.dtype)
        for p in range(ph):
            for q in range(pw):
                dxp[:, p:p + sh * oh:sh, q:q + sw * ow:sw] += np.where(
                    self.argmax == p * pw + q, dy, 0)
        (top, _), (left, _) = self.pads
        return dxp[:, top:top + h, left:left + w]
