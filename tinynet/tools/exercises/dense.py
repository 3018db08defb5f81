"""Exercise ``dense``: the backward pass of ``y = x·W + b``."""

from tinynet.layers import Dense
from tinynet.textbook import dense as textbook
from tinynet.tools.exercises import keras_parity, training
from tinynet.tools.exercises.base import Case, Exercise, Probe, unpack

GIVEN = '''
"""tinynet exercise `dense`: write the backward pass of a linear Dense layer.

Check it with `tinynet exercise check dense`; `tinynet exercise start dense --hint` gives a hint.
"""

import numpy as np


# y = x·W + b
def dense_forward(x, W, b):
    """The output of a linear Dense layer: x (N, in), W (in, units), b (units,) → y (N, units)."""
    return x @ W + b
'''

STUBS = '''
def dense_backward(x, W, dy):
    """The gradients of y = x·W + b, given dy = ∂L/∂y from the layer above.

    Shapes: x (N, in), W (in, units), dy (N, units).
    Returns (dx, dW, db) of shapes dx (N, in), dW (in, units), db (units,):
    each has the shape of what it is the gradient of.
    """
    raise NotImplementedError("dense_backward: write it, then `tinynet exercise check dense`")
'''

HINT = """\
Work one scalar at a time. W[i, j] reaches the loss only through the outputs y[n, j] of
column j, and ∂y[n, j]/∂W[i, j] = x[n, i], so dW[i, j] = Σ_n x[n, i]·dy[n, j]: a sum over the
batch, which is a matrix product. b[j] is added to every y[n, j] with slope 1. x[n, i] feeds
every output of its own sample through W[i, j]. Write the sums with loops first if that
helps, then find the matrix product with the same shape as the array it is the gradient of."""

FORMULA = "dW = xᵀ·dy     db = Σ_batch dy     dx = dy·Wᵀ"
RETURNS = "dense_backward(x, W, dy) must return three arrays, (dx, dW, db)"


def _case(label, x, W, b):
    def make(fns):
        def run(x, p):
            return fns["dense_forward"](x, p["W"], p["b"]), None

        def back(dy, x, p, cache):
            dx, dW, db = unpack(fns["dense_backward"](x, p["W"], dy), 3, RETURNS)
            return dx, {"W": dW, "b": db}
        return Probe(run, back, {"W": W.copy(), "b": b.copy()})
    return Case(label, x, make)


def cases(rng):
    """A wide layer and a square one (a transposed dW then has the right shape)."""
    n = rng.standard_normal
    return [_case("N=5, 4 → 3 units", n((5, 4)), n((4, 3)), n(3)),
            _case("N=6, 3 → 3 units", n((6, 3)), n((3, 3)), n(3))]


def keras(fns, case, rng):
    _, k = keras_parity.tf_keras()
    p = case.make(fns).params
    layer = k.layers.Dense(p["W"].shape[1], dtype="float64")
    return keras_parity.layer_pairs(fns, case, rng, layer, [p["W"], p["b"]], ["x", "W", "b"])


def train(fns, data):
    return "mnist_mlp", training.train("mnist_mlp", training.dense(fns["dense_backward"]), data)


EXERCISE = Exercise(
    name="dense", title="Dense", level=1,
    teaches="the matrix chain rule: dW = xᵀ·dy, db = Σ dy, dx = dy·Wᵀ",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"dense_backward": textbook.dense_backward},
    library=(("the fast form, as matrix products", Dense.backward_linear),),
    names={"x": "dx", "W": "dW", "b": "db"}, returns=RETURNS,
    cases=cases, keras=keras, training=train)
