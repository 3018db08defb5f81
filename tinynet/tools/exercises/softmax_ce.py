"""Exercise ``softmax_ce``: softmax + cross-entropy, and its gradient (p − t)/N at the logits."""

import numpy as np

from tinynet import losses as library
from tinynet.textbook import softmax_ce as textbook
from tinynet.textbook.activations import softmax
from tinynet.tools.exercises import losses, training
from tinynet.tools.exercises.base import Exercise, source

GIVEN = f'''
"""tinynet exercise `softmax_ce`: the gradient of cross-entropy after softmax, at the logits z.

The loss is the mean over the N samples of a batch: L = −(1/N)·Σ_n Σ_i t[n, i]·log p[n, i],
with p = softmax(z). Check it with `tinynet exercise check softmax_ce`;
`tinynet exercise start softmax_ce --hint` gives a hint.
"""

import numpy as np


# p_i = e^z_i / Σ_k e^z_k, row by row
{source(softmax)}


# L = −(1/N)·Σ_n Σ_i t·log p
{source(textbook.cross_entropy)}


def softmax_cross_entropy(t, z):
    """The loss from the logits: t (N, C) one-hot targets, z (N, C) logits → a float."""
    return cross_entropy(t, softmax(z))
'''

STUBS = '''
def backward(t, z):
    """dz = ∂L/∂z for L = softmax_cross_entropy(t, z).

    Shapes: t (N, C), one-hot rows (each sums to 1); z (N, C) logits. Returns dz (N, C).
    """
    raise NotImplementedError("backward: write it, then `tinynet exercise check softmax_ce`")
'''

HINT = """\
Go the long way once: ∂L/∂p[n, i] = −t[n, i] / (N·p[n, i]), then back through softmax with its
Jacobian ∂p_i/∂z_k = p_i·(δ_ik − p_k). Multiply out the sum over i: the p_i of the loss cancels
the p_i of the Jacobian, and since each target row sums to 1, what is left is short. Don't
forget where the N goes: the loss is a mean over the batch, so every sample's share of the
gradient carries a 1/N (once, not twice)."""

FORMULA = "dz = (softmax(z) − t) / N"


def cases(rng):
    z = 2 * rng.standard_normal((6, 4))
    t = np.eye(4)[rng.integers(0, 4, 6)]
    return [losses.case("N=6 samples, C=4 classes", z, t, "softmax_cross_entropy", "backward")]


def train(fns, data):
    return "mnist_mlp", training.train("mnist_mlp", training.softmax_ce(fns["backward"]), data)


EXERCISE = Exercise(
    name="softmax_ce", title="softmax + cross-entropy", level=2,
    teaches="why Keras fuses the pair: the Jacobian cancels to (p − t)/N",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"backward": textbook.backward},
    library=(("the long way, through the Jacobian", textbook.backward_through_jacobian),
             ("the fast form, from the logits", library.CategoricalCrossentropy.from_logits)),
    names={"x": "dz"}, returns="backward(t, z) must return dz",
    cases=cases, training=train, keras=losses.keras(
        lambda k: k.losses.CategoricalCrossentropy(from_logits=True, dtype="float64")))
