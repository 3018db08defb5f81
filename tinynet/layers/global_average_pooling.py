"""GlobalAveragePooling2D: each channel's mean over all pixels."""

import numpy as np

from tinynet.layers.base import Layer
from tinynet.layers.conv import check_image_input


class GlobalAveragePooling2D(Layer):
    """The mean of each channel over all pixels, as ``keras.layers.GlobalAveragePooling2D``.

    Args:
        keepdims: output ``(1, 1, C)`` per sample instead of ``(C,)``.
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``trainable``.
    """

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"{self.name}: expected samples of shape (height, width, channels), got "
                f"{tuple(input_shape)}. Add the missing axes, e.g. x.reshape(-1, 28, 28, 1).")
        return (1, 1, input_shape[-1]) if self.keepdims else (input_shape[-1],)

    # y[n, c] = (1 / (H·W)) · Σ over i, j of x[n, i, j, c]
    def forward(self, x, training=False):
        x = self._prepare(check_image_input(x, self))
        return x.mean(axis=(1, 2), keepdims=self.keepdims)

    # dx[n, i, j, c] = dy[n, c] / (H·W) for every pixel
    def backward(self, dy):
        h, w, c = self.input_shape
        dy = np.asarray(dy, dtype=self.dtype).reshape(-1, 1, 1, c)
        return np.broadcast_to(dy / (h * w), (len(dy), h, w, c)).copy()

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}
