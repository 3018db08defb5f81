"""Conv2D: a 2-D convolution of channels-last images, computed as im2col and one matrix product."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinynet import activations, initializers, regularizers, utils, validation
from tinynet.layers.base import ActivatedLayer

PADDINGS = ("same", "valid")


def check_padding(padding, owner):
    """``'valid'`` or ``'same'``, lower-cased; otherwise a ``ValueError`` naming ``owner``."""
    if isinstance(padding, str) and padding.lower() in PADDINGS:
        return padding.lower()
    raise ValueError(
        f"{owner}: padding must be one of {', '.join(map(repr, PADDINGS))}, got {padding!r}."
    )


# out = ceil(n / s);  total = (out − 1)·s + k − n;  the odd one goes after (bottom/right), as TF
def same_padding(n, k, s):
    """TF's ``'same'`` padding along one axis, as ``(before, after)``."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def window_output_shape(layer, input_shape, window, strides, what):
    """Output ``(oh, ow)`` of sliding ``window`` over a per-sample ``(h, w, c)`` shape.

    ``'same'`` gives ``ceil(n / s)``; ``'valid'`` gives ``floor((n − k) / s) + 1`` and needs
    ``n >= k``. ``what`` names the window ("kernel", "pool") in the error message.
    """
    if len(input_shape) != 3:
        raise ValueError(
            f"{layer.name}: expected samples of shape (height, width, channels), got "
            f"{tuple(input_shape)}. Add the missing axes, e.g. x.reshape(-1, 28, 28, 1)."
        )
    (h, w), (kh, kw), (sh, sw) = input_shape[:2], window, strides
    if layer.padding == "same":
        return -(-h // sh), -(-w // sw)
    if h < kh or w < kw:
        raise ValueError(
            f"{layer.name}: input of {h}x{w} pixels is smaller than the {kh}x{kw} {what} "
            "with padding='valid'. Use padding='same' or a larger input."
        )
    return (h - kh) // sh + 1, (w - kw) // sw + 1


def check_image_input(x, layer):
    """``x`` as an array, checked to be an NHWC batch with the channels ``layer`` was built for."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            f"{layer.name}: expected a 4-D input (batch, height, width, channels), got shape "
            f"{x.shape}. Add the missing axes, e.g. x.reshape(-1, 28, 28, 1) for gray images."
        )
    if layer.built and x.shape[-1] != layer.input_shape[-1]:
        raise ValueError(
            f"{layer.name}: expected {layer.input_shape[-1]} input channels (the layer was "
            f"built for them), got {x.shape[-1]} in an input of shape {x.shape}. Feed images "
            "with that many channels, or use a new layer."
        )
    return x


class Conv2D(ActivatedLayer):
    """A 2-D convolution over NHWC images, as ``keras.layers.Conv2D``.

    Textbook twin, by loops over every output pixel: ``tinynet/textbook/conv.py``.

    Args:
        filters: number of output channels, a positive int.
        kernel_size: window ``(kh, kw)``, or one int for a square window.
        strides: step ``(sh, sw)`` between windows, or one int.
        padding: ``'valid'`` (no padding; output ``floor((n − k) / s) + 1``) or ``'same'``
            (zero padding, output ``ceil(n / s)``, an odd extra row/column at bottom/right).
        activation: name of the activation applied to the convolution (``None`` is linear).
        use_bias: whether to add a bias per filter.
        kernel_initializer: initializer name for the kernel, shape ``(kh, kw, in, filters)``.
        bias_initializer: initializer name for the bias, shape ``(filters,)``.
        kernel_regularizer: penalty on the kernel added to the loss (``'l2'``, ``L2(1e-4)``...).
        bias_regularizer: penalty on the bias, likewise.
        **kwargs: ``name``, ``dtype``, ``input_shape``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters = validation.check_positive_int(filters, f"{self.name}: filters",
                                                     "Conv2D(32, (3, 3))")
        self.kernel_size = utils.pair(kernel_size, "kernel_size", self.name)
        self.strides = utils.pair(strides, "strides", self.name)
        self.padding = check_padding(padding, self.name)
        self.activation = activations.get(activation)
        self.use_bias = validation.check_bool(use_bias, f"{self.name}: use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        regularizers.attach(self, kernel=kernel_regularizer, bias=bias_regularizer)

    def build(self, input_shape):
        super().build(input_shape)  # checks the shape before any weight is drawn
        h, w, channels = input_shape
        if self.padding == "same":
            self.pads = [same_padding(n, k, s) for n, k, s in
                         zip((h, w), self.kernel_size, self.strides, strict=True)]
        else:
            self.pads = [(0, 0), (0, 0)]
        self.padded_hw = tuple(n + sum(p) for n, p in zip((h, w), self.pads, strict=True))
        self.params["kernel"] = initializers.initialize(
            self.kernel_initializer, (*self.kernel_size, channels, self.filters), self.dtype)
        if self.use_bias:
            self.params["bias"] = initializers.initialize(
                self.bias_initializer, (self.filters,), self.dtype)

    def compute_output_shape(self, input_shape):
        oh, ow = window_output_shape(self, input_shape, self.kernel_size, self.strides, "kernel")
        return oh, ow, self.filters

    # z = im2col(x)·W + b      y = f(z)
    def forward(self, x, training=False):
        x = self._prepare(check_image_input(x, self))
        xp = np.pad(x, [(0, 0), *self.pads, (0, 0)]) if self.padding == "same" else x
        self.cols = self.im2col(xp)
        z = self.cols @ self.params["kernel"].reshape(-1, self.filters)
        z = z.reshape(len(x), *self.output_shape)
        if self.use_bias:
            z += self.params["bias"]
        return self.activate(z)  # y = f(z), keeping z for a fused loss

    # cols[(n, i, j), (p, q, c)] = xp[n, i·sh + p, j·sw + q, c]
    def im2col(self, xp):
        """The padded batch as a matrix with one row per output pixel, one column per weight."""
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
        # windows is (N, oh, ow, C, kh, kw); the kernel's order is (kh, kw, C)
        return windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * xp.shape[-1])

    # dW = colsᵀ·dz     db = Σ dz = 1ᵀ·dz     dx = col2im(dz·Wᵀ)
    def backward_linear(self, dz):
        dz = np.asarray(dz, dtype=self.dtype).reshape(-1, self.filters)
        kernel = self.params["kernel"]
        self.grads["kernel"] = (self.cols.T @ dz).reshape(kernel.shape)
        if self.use_bias:  # the sum over rows as one GEMV: dz.sum(axis=0) crawls over few columns
            self.grads["bias"] = np.ones(len(dz), dtype=self.dtype) @ dz
        if not self.compute_dx:
            return None
        return self.col2im(dz @ kernel.reshape(-1, self.filters).T)

    # dxp[n, i·sh + p, j·sw + q, c] += dcols[(n, i, j), (p, q, c)], one strided add per (p, q)
    def col2im(self, dcols):
        """Sum each column of ``dcols`` back onto the pixel it was copied from; crop the padding."""
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        (oh, ow, _), (h, w, channels) = self.output_shape, self.input_shape
        dcols = dcols.reshape(-1, oh, ow, kh, kw, channels)
        dxp = np.zeros((len(dcols), *self.padded_hw, channels), dtype=self.dtype)
        for p in range(kh):
            for q in range(kw):
                dxp[:, p:p + sh * oh:sh, q:q + sw * ow:sw] += dcols[:, :, :, p, q]
        (top, _), (left, _) = self.pads
        return dxp[:, top:top + h, left:left + w]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "activation": self.activation.name,
                "use_bias": self.use_bias,
                **regularizers.get_config(self, "kernel", "bias")}
