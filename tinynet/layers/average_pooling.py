"""Average pooling: each window's mean, with the gradient shared out equally over the window."""

import numpy as np

from tinynet.layers.base_pooling import Pooling2D
from tinynet.layers.conv import check_image_input


class AveragePooling2D(Pooling2D):
    """Average pooling over NHWC images, as ``keras.layers.AveragePooling2D``.

    With ``'same'`` a window that hangs over the border averages only the cells inside the
    image (TF's ``avg_pool`` does so, and Keras calls it): a corner 2×2 window holding one real
    pixel outputs that pixel, not a quarter of it. ``counts`` holds how many real cells each
    window covers.

    Args:
        pool_size: window ``(ph, pw)``, or one int for a square window (required, as in Keras).
        strides: step ``(sh, sw)`` between windows, or one int; ``None`` means ``pool_size``.
        padding: ``'valid'`` (output ``floor((n − p) / s) + 1``) or ``'same'`` (output
            ``ceil(n / s)``, an odd extra row/column at the bottom/right).
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``trainable``.
    """

    def build(self, input_shape):
        super().build(input_shape)
        h, w, _ = input_shape
        # counts[i, j] = the number of real (not padding) cells in window (i, j)
        inside = self._pad(np.ones((1, h, w, 1), dtype=self.dtype))
        self.counts = self._window_sums(inside)[0]

    def _pad(self, x):
        return np.pad(x, [(0, 0), *self.pads, (0, 0)]) if self.padding == "same" else x

    # sums[n, i, j, c] = Σ over p, q of xp[n, i·sh + p, j·sw + q, c]: one strided add per (p, q)
    def _window_sums(self, xp):
        (oh, ow, _), (ph, pw), (sh, sw) = self.output_shape, self.pool_size, self.strides
        sums = np.zeros((len(xp), oh, ow, xp.shape[-1]), dtype=self.dtype)
        for p in range(ph):
            for q in range(pw):
                sums += xp[:, p:p + sh * oh:sh, q:q + sw * ow:sw]
        return sums

    # y[n, i, j, c] = (1 / counts[i, j]) · Σ over the window's real cells of x
    def forward(self, x, training=False):
        x = self._prepare(check_image_input(x, self))
        return self._window_sums(self._pad(x)) / self.counts

    # dx[n, i·sh + p, j·sw + q, c] += dy[n, i, j, c] / counts[i, j], then crop the padding
    def backward(self, dy):
        share = np.asarray(dy, dtype=self.dtype) / self.counts
        (oh, ow, _), (ph, pw), (sh, sw) = self.output_shape, self.pool_size, self.strides
        h, w, c = self.input_shape
        dxp = np.zeros((len(share), *self.padded_hw, c), dtype=self.dtype)
        for p in range(ph):
            for q in range(pw):
                dxp[:, p:p + sh * oh:sh, q:q + sw * ow:sw] += share
        (top, _), (left, _) = self.pads
        return dxp[:, top:top + h, left:left + w]
