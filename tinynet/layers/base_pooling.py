"""What the 2-D pooling layers share: the window, its strides, the padding and the output shape."""

from tinynet import utils
from tinynet.layers.base import Layer
from tinynet.layers.conv import check_padding, same_padding, window_output_shape


class Pooling2D(Layer):
    """Base of ``MaxPooling2D`` and ``AveragePooling2D``, as Keras's ``BasePooling``.

    Args:
        pool_size: window ``(ph, pw)``, or one int for a square window.
        strides: step ``(sh, sw)`` between windows, or one int; ``None`` means ``pool_size``.
        padding: ``'valid'`` (output ``floor((n − p) / s) + 1``; leftover rows and columns are
            dropped) or ``'same'`` (output ``ceil(n / s)``, an odd extra row/column of padding
            at the bottom/right).
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``trainable``.
    """

    def __init__(self, pool_size, strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = utils.pair(pool_size, "pool_size", self.name)
        self.strides = (self.pool_size if strides is None
                        else utils.pair(strides, "strides", self.name))
        self.padding = check_padding(padding, self.name)

    def build(self, input_shape):
        super().build(input_shape)
        h, w, _ = input_shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        if self.padding == "same":
            self.pads = [same_padding(h, ph, sh), same_padding(w, pw, sw)]
        else:
            self.pads = [(0, 0), (0, 0)]
        self.padded_hw = (h + sum(self.pads[0]), w + sum(self.pads[1]))

    def compute_output_shape(self, input_shape):
        oh, ow = window_output_shape(self, input_shape, self.pool_size, self.strides, "pool")
        return oh, ow, input_shape[-1]

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size,
                "strides": self.strides, "padding": self.padding}
