"""Exercise ``dropout``: the backward pass of inverted dropout, ``dx = dy ⊙ mask``."""

import numpy as np

from tinynet.layers.dropout import Dropout
from tinynet.textbook import dropout as textbook
from tinynet.tools.exercises import keras_parity
from tinynet.tools.exercises.base import Case, Exercise, Probe, source, unpack

RATE = 0.4

GIVEN = f'''
"""tinynet exercise `dropout`: write the backward pass of inverted dropout.

In training each unit is kept when a uniform draw u ≥ rate, and the survivors are scaled by
1/(1 − rate), so the expected output equals the input. Check it with
`tinynet exercise check dropout`; `tinynet exercise start dropout --hint` gives a hint.
"""

import numpy as np


# mask = [u ≥ rate] / (1 − rate)     y = x ⊙ mask
{source(textbook.dropout)}
'''

STUBS = '''
def dropout_backward(dy, mask):
    """dx = ∂L/∂x, given dy = ∂L/∂y and the mask that dropout(x, rate) returned with y.

    Shapes: dy and mask have the shape of x (any shape); dx has it too.
    """
    raise NotImplementedError("dropout_backward: write it, then `tinynet exercise check dropout`")
'''

HINT = """\
Once the mask is drawn it is a constant: y = x ⊙ mask is x times fixed numbers, entry by
entry. So ∂y/∂x is the mask itself, dropped units (mask 0) pass no gradient back, and the
survivors pass it scaled by the same 1/(1 − rate) that forward used. Use the mask forward
returned, not a new draw and not the bare keep/drop booleans."""

FORMULA = "dx = dy ⊙ mask      (mask = [u ≥ rate] / (1 − rate), from forward)"
RETURNS = "dropout_backward(dy, mask) must return dx"


def _case(label, x, keep):
    def make(fns):
        def run(x, p):
            return unpack(fns["dropout"](x, RATE, keep=keep), 2,
                          "dropout(x, rate, keep=...) must return (y, mask)")

        def back(dy, x, p, mask):
            return unpack(fns["dropout_backward"](dy, mask), 1, RETURNS), {}
        return Probe(run, back)
    return Case(label, x, make)


def cases(rng):
    x = rng.standard_normal((5, 6))
    return [_case(f"x (5, 6), rate {RATE}, one fixed mask", x, rng.random(x.shape) >= RATE)]


def keras(fns, case, rng):
    """Keras draws its own mask: read it off Keras's output, then give it to the learner."""
    tf, k = keras_parity.tf_keras()
    layer = k.layers.Dropout(RATE, dtype="float64", seed=1)
    G = rng.standard_normal(case.x.shape)
    x = tf.constant(case.x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        value = tf.reduce_sum(y * G)
    theirs = np.asarray(tape.gradient(value, x))
    keep = np.asarray(y) != 0  # x has no zeros, so y is 0 exactly where Keras dropped
    _, mask = fns["dropout"](case.x, RATE, keep=keep)
    ours = unpack(fns["dropout_backward"](G, mask), 1, RETURNS)
    return {"x": (ours, theirs)}


EXERCISE = Exercise(
    name="dropout", title="Dropout", level=1,
    teaches="a random layer is a fixed one once its mask is drawn",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"dropout_backward": textbook.dropout_backward},
    library=(("the layer", Dropout.backward),),
    factors={1 - RATE: "= 1 − rate: the survivors' scale 1/(1 − rate) is missing; multiply "
                       "by the mask forward returned"},
    names={"x": "dx"}, returns=RETURNS, cases=cases, keras=keras)
