"""Exercise ``conv2d``: Conv2D's backward through im2col's adjoint, col2im."""

from tinynet.layers.conv import Conv2D
from tinynet.textbook import conv as textbook
from tinynet.tools.exercises import keras_parity, training
from tinynet.tools.exercises.base import Case, Exercise, Probe, unpack

GIVEN = '''
"""tinynet exercise `conv2d`: write Conv2D's backward pass, with col2im.

The forward pass copies every window of the (padded) input into one row of a matrix, im2col,
so the convolution is one matrix product. Check it with `tinynet exercise check conv2d`;
`tinynet exercise start conv2d --hint` gives a hint.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# pad(x, window, strides, padding) → (xp, [(top, bottom), (left, right)]), as TF pads 'same'
from tinynet.textbook.conv import pad


# cols[(n, i, j), (p, q, c)] = xp[n, i·sh + p, j·sw + q, c]
def im2col(xp, kh, kw, sh, sw):
    """Every window of the padded batch xp (N, Hp, Wp, C) as a row: (N·oh·ow, kh·kw·C)."""
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    # windows is (N, oh, ow, C, kh, kw); a row must follow the kernel's order (kh, kw, C)
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * xp.shape[-1])


# z = im2col(xp)·W + b, reshaped to (N, oh, ow, filters)
def conv2d(x, kernel, bias, strides=(1, 1), padding="valid"):
    """x (N, H, W, C), kernel (kh, kw, C, filters), bias (filters,) → z (N, oh, ow, filters)."""
    (kh, kw, _, filters), (sh, sw) = kernel.shape, strides
    xp, _ = pad(x, (kh, kw), strides, padding)
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    z = im2col(xp, kh, kw, sh, sw) @ kernel.reshape(-1, filters) + bias
    return z.reshape(len(x), oh, ow, filters)
'''

STUBS = '''
def col2im(dcols, xp_shape, kh, kw, sh, sw):
    """im2col backwards: add each entry of dcols onto the pixel of xp it was copied from.

    Shapes: dcols (N·oh·ow, kh·kw·C), as im2col returned cols; xp_shape (N, Hp, Wp, C).
    Returns dxp of shape xp_shape. (A helper for conv2d_backward: check grades only that.)
    """
    raise NotImplementedError("col2im: write it, then use it in conv2d_backward")


def conv2d_backward(x, kernel, dz, strides=(1, 1), padding="valid"):
    """(dx, dkernel, dbias) given dz = ∂L/∂z for z = conv2d(x, kernel, bias, strides, padding).

    Shapes: x (N, H, W, C), kernel (kh, kw, C, filters), dz (N, oh, ow, filters).
    Returns dx (N, H, W, C), dkernel (kh, kw, C, filters), dbias (filters,).
    """
    raise NotImplementedError("conv2d_backward: write it, then `tinynet exercise check conv2d`")
'''

HINT = """\
Forward is a Dense layer in disguise: z2 = cols·W2 + b with cols = im2col(xp) (one row per
output pixel) and W2 = kernel reshaped to (kh·kw·C, filters). So, as in Dense, with dz2 = dz
reshaped to (N·oh·ow, filters): dW2 = colsᵀ·dz2, db = Σ over rows of dz2, dcols = dz2·W2ᵀ.
Reshape dW2 back to the kernel's shape. The new part is dcols → dx: im2col copied each pixel
into several rows (one per window that covers it), so its gradient is the sum of all those
copies' gradients. That is col2im: for each offset (p, q) of the window, add the (p, q) slice of
dcols onto the strided positions xp[:, p::sh, q::sw] it came from (kh·kw slice-adds, no loop over
pixels). Then crop the padding off dxp."""

FORMULA = ("dkernel = (colsᵀ·dz2).reshape(kernel.shape)   dbias = Σ dz2   "
           "dx = crop(col2im(dz2·W2ᵀ))")
RETURNS = "conv2d_backward(x, kernel, dz, ...) must return three arrays, (dx, dkernel, dbias)"


def _case(label, x, kernel, bias, strides, padding):
    def make(fns):
        def run(x, p):
            return fns["conv2d"](x, p["kernel"], p["bias"], strides, padding), None

        def back(dy, x, p, cache):
            dx, dk, db = unpack(fns["conv2d_backward"](x, p["kernel"], dy, strides, padding), 3,
                                RETURNS)
            return dx, {"kernel": dk, "bias": db}
        return Probe(run, back, {"kernel": kernel.copy(), "bias": bias.copy()})
    made = Case(label, x, make)
    made.settings = strides, padding
    return made


def cases(rng):
    n = rng.standard_normal
    return [_case("3×3 kernel, 'valid', strides 1, x (2, 5, 5, 2) → 3 filters", n((2, 5, 5, 2)),
                  n((3, 3, 2, 3)), n(3), (1, 1), "valid"),
            _case("3×3 kernel, 'same', strides 2, x (2, 6, 6, 2) → 2 filters", n((2, 6, 6, 2)),
                  n((3, 3, 2, 2)), n(2), (2, 2), "same")]


def keras(fns, case, rng):
    _, k = keras_parity.tf_keras()
    p, (strides, padding) = case.make(fns).params, case.settings
    kh, kw, _, filters = p["kernel"].shape
    layer = k.layers.Conv2D(filters, (kh, kw), strides, padding, dtype="float64")
    return keras_parity.layer_pairs(fns, case, rng, layer, [p["kernel"], p["bias"]],
                                    ["x", "kernel", "bias"])


def train(fns, data):
    return "mnist_cnn", training.train("mnist_cnn", training.conv2d(fns["conv2d_backward"]), data)


EXERCISE = Exercise(
    name="conv2d", title="Conv2D", level=3,
    teaches="a convolution is a matrix product (im2col); its dx is col2im, the adjoint",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"conv2d_backward": textbook.conv2d_backward},
    library=(("the fast form: Dense's gradients on im2col's matrix", Conv2D.backward_linear),
             ("and col2im, kh·kw strided slice-adds", Conv2D.col2im)),
    names={"x": "dx", "kernel": "dkernel", "bias": "dbias"}, returns=RETURNS,
    cases=cases, keras=keras, training=train)
