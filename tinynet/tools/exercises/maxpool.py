"""Exercise ``maxpool``: MaxPooling2D's backward, each window's gradient routed to its maximum."""

import numpy as np

from tinynet.layers.pooling import MaxPooling2D
from tinynet.textbook import pooling as textbook
from tinynet.tools.exercises import keras_parity, training
from tinynet.tools.exercises.base import Case, Exercise, Probe, source, unpack

GIVEN = f'''
"""tinynet exercise `maxpool`: write the backward pass of max pooling (NHWC images).

Check it with `tinynet exercise check maxpool`; `tinynet exercise start maxpool --hint` gives a
hint.
"""

import numpy as np

from tinynet.textbook.conv import pad  # TF's 'same' padding: x padded, and the pads


{source(textbook._padded)}


# y[n, i, j, c] = max over the window at (i·sh, j·sw)
{source(textbook.max_pool2d)}
'''

STUBS = '''
def max_pool2d_backward(x, dy, pool_size=(2, 2), strides=None, padding="valid"):
    """dx = ∂L/∂x, given dy = ∂L/∂y and the forward pass's input and settings.

    Shapes: x (N, H, W, C), dy (N, oh, ow, C) as max_pool2d(x, ...) returned y.
    Returns dx (N, H, W, C). Windows may overlap (strides < pool_size); on a tie the
    gradient goes to the first maximum in row-major order, as TF does.
    """
    raise NotImplementedError("max_pool2d_backward: write it, then "
                              "`tinynet exercise check maxpool`")
'''

HINT = """\
Inside one window y = max(x_1, …, x_k) is, near the input you have, just the winner: y = x_w.
So ∂y/∂x_w = 1 and every other entry of the window gets 0: the window's dy goes to the position
of its maximum, nowhere else. Find that position again from x (np.argmax of the window gives
the first maximum, as TF picks on ties). When windows overlap, one pixel can win several
windows: add, don't overwrite. With 'same' padding, count positions in the padded image and
crop the padding off at the end."""

FORMULA = "dx[n, i·sh + p, j·sw + q, c] += dy[n, i, j, c]   where (p, q) = argmax of window (i, j)"
RETURNS = "max_pool2d_backward(x, dy, ...) must return dx"


def _ties(x):
    """For 2×2 'valid' pooling: the entries that share their window's maximum with another."""
    n, h, w, c = x.shape
    blocks = x.reshape(n, h // 2, 2, w // 2, 2, c)
    top = blocks.max(axis=(2, 4), keepdims=True)
    winners = blocks == top
    tied = winners & (winners.sum(axis=(2, 4), keepdims=True) > 1)
    return tied.reshape(x.shape)


def _case(label, x, pool, strides, padding, kink=None):
    def make(fns):
        def run(x, p):
            return fns["max_pool2d"](x, pool, strides, padding), None

        def back(dy, x, p, cache):
            return unpack(fns["max_pool2d_backward"](x, dy, pool, strides, padding), 1,
                          RETURNS), {}
        return Probe(run, back)
    made = Case(label, x, make, kink, "all of a tied window's gradient to its first maximum, "
                                      "row by row, as TF")
    made.settings = pool, strides, padding
    return made


def cases(rng):
    n = rng.standard_normal  # continuous values: no ties, no max within ε of another
    tied = rng.integers(-1, 2, (2, 4, 4, 2)).astype(np.float64)  # whole numbers: many ties
    return [_case("2×2 pool, 'valid', x (2, 6, 6, 3)", n((2, 6, 6, 3)), (2, 2), None, "valid"),
            _case("2×2 pool, 'valid', ties, x (2, 4, 4, 2)", tied, (2, 2), None, "valid",
                  kink=_ties(tied)),
            _case("3×3 pool, strides 2 (overlapping), 'same', x (2, 5, 5, 2)", n((2, 5, 5, 2)),
                  (3, 3), (2, 2), "same")]


def keras(fns, case, rng):
    _, k = keras_parity.tf_keras()
    pool, strides, padding = case.settings
    layer = k.layers.MaxPooling2D(pool, strides, padding, dtype="float64")
    return keras_parity.layer_pairs(fns, case, rng, layer, [], ["x"])


def train(fns, data):
    swap = training.max_pool2d(fns["max_pool2d_backward"])
    return "mnist_cnn", training.train("mnist_cnn", swap, data)


EXERCISE = Exercise(
    name="maxpool", title="MaxPooling2D", level=2,
    teaches="routing: a max passes its gradient to the winner alone",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"max_pool2d_backward": textbook.max_pool2d_backward},
    library=(("the fast form, any strides", MaxPooling2D.backward_windows),),
    names={"x": "dx"}, returns=RETURNS, cases=cases, keras=keras, training=train)
