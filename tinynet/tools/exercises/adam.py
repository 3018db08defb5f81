"""Exercise ``adam``: Adam's update rule (Kingma & Ba, 2014), checked step by step.

There is no gradient to check here: step 2 runs the learner's rule and the textbook's for a
few steps on the same gradients and compares every step, and when they differ it tries the
usual slips (no bias correction, a flipped sign, t from 0, β and 1 − β swapped, m and v not
kept) to name the one that fits.
"""

import numpy as np

from tinynet.gradcheck import relative_error
from tinynet.optimizers.adam import Adam
from tinynet.textbook import optimizers as textbook
from tinynet.tools.exercises import keras_parity
from tinynet.tools.exercises.base import Case, Exercise, ExerciseError, source

LR, BETA_1, BETA_2, EPS, STEPS = 0.001, 0.9, 0.999, 1e-7, 5
TOL = 1e-4  # the paper's ε and Keras's ε·sqrt(1 − β₂ᵗ) differ by ~1e-5 relative here

GIVEN = f'''
"""tinynet exercise `adam`: write one step of Adam (Kingma & Ba, 2014, Algorithm 1).

An update rule is a function of the weights, their gradient and the rule's own state (for
Adam, the moments m and v, and the step number t). Plain SGD, for comparison, is below.
Check it with `tinynet exercise check adam`; `tinynet exercise start adam --hint` gives a hint.
"""

import numpy as np


# w ← w − η·g
{source(textbook.sgd)}
'''

STUBS = '''
def adam(w, m, v, g, t, lr, beta_1, beta_2, eps, v_max=None):
    """One Adam step: the new (w, m, v, v_max).

    w: the weights; g: their gradient; m, v: the moment estimates after the previous step
    (zeros before the first); t: this step's number, starting at 1; lr, beta_1, beta_2, eps:
    Keras's names (defaults 0.001, 0.9, 0.999, 1e-7). v_max is for the AMSGrad variant:
    leave it as it comes (None) and return it.
    Shapes: w, m, v and g are all the same shape, and so are the new w, m and v.
    """
    raise NotImplementedError("adam: write it, then `tinynet exercise check adam`")
'''

HINT = """\
Adam keeps two running averages per weight: m of the gradient (its direction) and v of the
squared gradient (its scale), each an exponential moving average with its own β. Both start at
zero, so early on they are biased toward zero: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) to
undo it (t counts from 1). The step is then m̂ / (√v̂ + ε) times the learning rate, taken
downhill. Return the new m and v: the next step starts from them."""

FORMULA = ("m ← β₁·m + (1 − β₁)·g   v ← β₂·v + (1 − β₂)·g²   m̂ = m/(1 − β₁ᵗ)   "
           "v̂ = v/(1 − β₂ᵗ)   w ← w − lr·m̂/(√v̂ + ε)")
RETURNS = "adam(w, m, v, g, t, lr, beta_1, beta_2, eps) must return (w, m, v, v_max)"


# the usual slips, each as the rule it computes: (w, m, v, g, t) → (w, m, v)
def _rule(sign=1, correct=True, t0=0, swap=False, keep=True):
    def step(w, m, v, g, t):
        b1, b2 = (1 - BETA_1, 1 - BETA_2) if swap else (BETA_1, BETA_2)
        m2, v2 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        t = t + t0
        m_hat = m2 / (1 - BETA_1**t) if correct else m2
        v_hat = v2 / (1 - BETA_2**t) if correct else v2
        return w - sign * LR * m_hat / (np.sqrt(v_hat) + EPS), (m2 if keep else m), \
            (v2 if keep else v)
    return step


SLIPS = {
    "sign flipped: w moves uphill. Subtract the step: w ← w − lr·m̂/(√v̂ + ε)": _rule(sign=-1),
    "the bias corrections are missing: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ)":
        _rule(correct=False),
    "t is off by one: the first step has t = 1, so 1 − β₁ᵗ = 1 − β₁ then": _rule(t0=1),
    "β and 1 − β are swapped: m ← β₁·m + (1 − β₁)·g keeps most of the old m": _rule(swap=True),
    "m and v are not carried over: return the new m and v, the next step starts from them":
        _rule(keep=False),
}


def _learner_rule(fns):
    def step(w, m, v, g, t):
        out = fns["adam"](w.copy(), m.copy(), v.copy(), g, t, LR, BETA_1, BETA_2, EPS)
        if not isinstance(out, tuple | list) or len(out) != 4:
            raise ExerciseError(f"{RETURNS}; got {type(out).__name__}"
                                f"{f' of {len(out)}' if isinstance(out, tuple | list) else ''}.")
        return tuple(np.asarray(a, dtype=np.float64) for a in out[:3])
    return step


def _reference_rule(w, m, v, g, t):
    return textbook.adam(w, m, v, g, t, LR, BETA_1, BETA_2, EPS)[:3]


def trajectory(rule, w, grads):
    """The weights after each step of ``rule`` from ``w``, fed ``grads`` in turn."""
    m, v, out = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        w, m, v = rule(w, m, v, g, t)
        out.append(w)
    return out


def cases(rng):
    w = rng.standard_normal((3, 4))
    # |g| in [0.1, 10]: far enough from 0 that the two placements of ε agree to 1e-4
    grads = [rng.choice([-1.0, 1.0], w.shape) * 10.0 ** rng.uniform(-1, 1, w.shape)
             for _ in range(STEPS)]
    case = Case(f"w (3, 4), {STEPS} steps, gradients of mixed scale", w, None)
    case.grads = grads
    return [case]


def _shapes(fns, case):
    w, g = case.x, case.grads[0]
    new = _learner_rule(fns)(w, np.zeros_like(w), np.zeros_like(w), g, 1)
    bad = [f"{name} has shape {a.shape}, expected {w.shape}"
           for name, a in zip(("w", "m", "v"), new, strict=True) if a.shape != w.shape]
    return (False, [f"FAILED: {'; '.join(bad)}"]) if bad else (True, [f"ok   w, m, v {w.shape}"])


def _steps(fns, case):
    ours = trajectory(_learner_rule(fns), case.x, case.grads)
    ref = trajectory(_reference_rule, case.x, case.grads)
    lines, ok, before = [f"{case.label}:"], True, case.x
    for t, (a, b) in enumerate(zip(ours, ref, strict=True), start=1):
        error = relative_error(a - before, b - before)  # the step taken, not w itself
        ok &= error < TOL
        lines.append(f"  step t={t}: Δw relative error {error:.1e}  "
                     f"{'ok' if error < TOL else 'FAILED'}")
        before = b
    if not ok:
        for why, slip in SLIPS.items():
            theirs = trajectory(slip, case.x, case.grads)
            if all(relative_error(a - case.x, s - case.x) < TOL for a, s in zip(ours, theirs,
                                                                                 strict=True)):
                lines.append(f"  diagnosis: {why}")
                break
    return ok, lines


def gradients(fns, ref, cases, path):
    (case,) = cases
    return [("1 shapes", lambda: _shapes(fns, case)),
            (f"2 updates against the paper's equations (tolerance {TOL:g})",
             lambda: _steps(fns, case))]


def keras(fns, case, rng):
    """Keras's Adam on a float64 variable, fed the same gradients; compare every weight."""
    _, k = keras_parity.tf_keras()
    variable = k.Variable(case.x, dtype="float64")
    optimizer = k.optimizers.Adam(LR, BETA_1, BETA_2, EPS)
    theirs = []
    for g in case.grads:
        optimizer.apply_gradients([(k.ops.convert_to_tensor(g), variable)])
        theirs.append(np.asarray(variable.numpy()))
    ours = trajectory(_learner_rule(fns), case.x, case.grads)
    return {f"w after step {t}": (a - case.x, b - case.x)
            for t, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1)}


EXERCISE = Exercise(
    name="adam", title="Adam's update", level=2,
    teaches="an optimizer is a few lines of state: moments, bias correction, step",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"adam": textbook.adam},
    library=(("Keras's form, both corrections folded into the step size", Adam.update_step),),
    names={}, returns=RETURNS, cases=cases, keras=keras, keras_tol=TOL, gradients=gradients)
