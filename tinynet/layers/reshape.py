"""Flatten: each sample becomes one vector, ``(N, h, w, c) → (N, h·w·c)``."""

import numpy as np

from tinynet.layers.base import Layer


class Flatten(Layer):
    """Flattens every sample to a vector, as ``keras.layers.Flatten`` (channels-last).

    A batch of scalars, shape ``(N,)``, becomes ``(N, 1)``, as in Keras.

    Args:
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``input_dim``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    # y = x.reshape(N, h·w·c)   (row-major, so channels vary fastest, as in Keras)
    def forward(self, x, training=False):
        x = self._prepare(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], *self.output_shape)

    # dx = dy.reshape(x's shape)
    def backward(self, dy):
        return dy.reshape(self.x_shape)
