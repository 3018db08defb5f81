"""Exercise ``sigmoid``: ``dz = dy ⊙ σ(z)·(1 − σ(z))``."""

from tinynet import activations as library
from tinynet.textbook import activations as textbook
from tinynet.tools.exercises import activations
from tinynet.tools.exercises.base import Exercise, source

GIVEN = f'''
"""tinynet exercise `sigmoid`: write the backward pass of σ(z) = 1 / (1 + e^−z).

Check it with `tinynet exercise check sigmoid`; `tinynet exercise start sigmoid --hint` gives a
hint.
"""

import numpy as np


# y = 1 / (1 + e^−z)
{source(textbook.sigmoid)}
'''

STUBS = '''
def sigmoid_backward(dy, z):
    """dz = ∂L/∂z, given dy = ∂L/∂y from above and the input z of the forward pass.

    Shapes: dy and z are the same shape, any shape (e.g. (N, units)); dz has it too.
    """
    raise NotImplementedError("sigmoid_backward: write it, then `tinynet exercise check sigmoid`")
'''

HINT = """\
Differentiate 1 / (1 + e^−z) with the chain rule: the derivative of 1/u is −1/u², and u' =
−e^−z, so σ'(z) = e^−z / (1 + e^−z)². Now write e^−z / (1 + e^−z) as 1 − σ(z): the derivative
needs nothing but σ itself, which is why the fast form computes it from the output y. The
activation acts on each entry alone, so dz is an elementwise product with dy."""

FORMULA = "dz = dy ⊙ σ(z)·(1 − σ(z))"


def cases(rng):
    return [activations.case("z (4, 5)", 2 * rng.standard_normal((4, 5)), "sigmoid",
                             "sigmoid_backward")]


EXERCISE = Exercise(
    name="sigmoid", title="sigmoid", level=1,
    teaches="a derivative written with the function itself: σ' = σ·(1 − σ)",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"sigmoid_backward": textbook.sigmoid_backward},
    library=(("the fast form, from the output y", library.Sigmoid.backward),),
    names={"x": "dz"}, returns="sigmoid_backward(dy, z) must return dz",
    cases=cases, keras=activations.keras("sigmoid"))
