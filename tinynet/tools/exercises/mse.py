"""Exercise ``mse``: the gradient of the mean squared error, 2(p − t)/(N·D)."""

from tinynet import losses as library
from tinynet.tools.exercises import losses
from tinynet.tools.exercises.base import Exercise

N, D = 6, 4

GIVEN = '''
"""tinynet exercise `mse`: the gradient of the mean squared error at the predictions p.

Keras's mean_squared_error averages over the D outputs of each sample, then over the N
samples: L = mean((p − t)²) over all N·D entries. Check it with `tinynet exercise check mse`;
`tinynet exercise start mse --hint` gives a hint.
"""

import numpy as np


# L = (1/(N·D))·Σ (p − t)²
def mse(t, p):
    """The loss: t and p of shape (N, D) → a float."""
    return float(np.mean((p - t) ** 2))
'''

STUBS = '''
def mse_backward(t, p):
    """dp = ∂L/∂p for L = mse(t, p).

    Shapes: t (N, D) targets, p (N, D) predictions. Returns dp (N, D).
    """
    raise NotImplementedError("mse_backward: write it, then `tinynet exercise check mse`")
'''

HINT = """\
Each entry p[n, j] appears in exactly one term of the sum, (p[n, j] − t[n, j])², whose
derivative is 2(p[n, j] − t[n, j]). The sum is then divided by how many terms it has: not N,
the batch size, but every entry of p, N·D of them, because Keras averages over the outputs of
each sample first and then over the samples."""

FORMULA = "dp = 2·(p − t) / (N·D)"


# dp = 2(p − t) / (N·D)
def mse_backward(t, p):
    """The gradient of mean((p − t)²) over all N·D entries of p."""
    return 2 * (p - t) / p.size


def cases(rng):
    p, t = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    return [losses.case(f"N={N} samples, D={D} outputs", p, t, "mse", "mse_backward")]


EXERCISE = Exercise(
    name="mse", title="mean squared error", level=1,
    teaches="where the 2 and the 1/(N·D) of a mean come from",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"mse_backward": mse_backward},
    library=(("the library's loss", library.MeanSquaredError.gradient),),
    factors={D: f"= D (the {D} outputs per sample): the mean runs over them too, so divide "
                "by N·D, not N",
             N * D: f"= N·D = {N * D}: the loss is a mean over all N·D entries; divide by it",
             N * D / 2: "= N·D/2: both the 2 and the 1/(N·D) are missing"},
    names={"x": "dp"}, returns="mse_backward(t, p) must return dp",
    cases=cases, keras=losses.keras(lambda k: k.losses.MeanSquaredError(dtype="float64")))
