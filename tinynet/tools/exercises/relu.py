"""Exercise ``relu``: ``dz = dy ⊙ [z > 0]``, and what happens at the kink z == 0."""

from tinynet import activations as library
from tinynet.textbook import activations as textbook
from tinynet.tools.exercises import activations, training
from tinynet.tools.exercises.base import Exercise, source

GIVEN = f'''
"""tinynet exercise `relu`: write the backward pass of ReLU, y = max(0, z).

Check it with `tinynet exercise check relu`; `tinynet exercise start relu --hint` gives a hint.
"""

import numpy as np


# y = max(0, z)
{source(textbook.relu)}
'''

STUBS = '''
def relu_backward(dy, z):
    """dz = ∂L/∂z, given dy = ∂L/∂y from above and the input z of the forward pass.

    Shapes: dy and z are the same shape, any shape (e.g. (N, units)); dz has it too.
    At z == 0 the derivative is undefined: use what TensorFlow and Keras use there.
    """
    raise NotImplementedError("relu_backward: write it, then `tinynet exercise check relu`")
'''

HINT = """\
ReLU acts on each entry alone, so its Jacobian is diagonal and the chain rule is an
elementwise product, dz = f'(z) ⊙ dy. Where z > 0, y = z and the slope is 1; where z < 0,
y = 0 and the slope is 0. At z == 0 exactly the two sides disagree and the derivative is
undefined: TensorFlow (and so Keras, and tinynet) use slope 0 there. A hidden unit whose
z is exactly 0 happens more often than you'd think: a bias of 0 and an input of 0."""

FORMULA = "dz = dy ⊙ [z > 0]      (slope 0 at z == 0, as TF)"


def cases(rng):
    z = rng.standard_normal((4, 5))
    kinked = z.copy()
    kinked[rng.random(z.shape) < 0.3] = 0.0  # exact zeros: ReLU's kink
    return [activations.case("z off the kink (4, 5)", z, "relu", "relu_backward"),
            activations.case("z with exact zeros (4, 5)", kinked, "relu", "relu_backward",
                             kink=kinked == 0, convention="slope 0 at z == 0, dz = dy·[z > 0]")]


def train(fns, data):
    return "mnist_mlp", training.train("mnist_mlp", training.relu(fns["relu_backward"]), data)


EXERCISE = Exercise(
    name="relu", title="ReLU", level=1,
    teaches="an elementwise chain rule, dz = f'(z) ⊙ dy, and the convention at a kink",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"relu_backward": textbook.relu_backward},
    library=(("the fast form, from the output y", library.ReLU.backward),),
    names={"x": "dz"}, returns="relu_backward(dy, z) must return dz",
    cases=cases, keras=activations.keras("relu"), training=train)
