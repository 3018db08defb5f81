"""Check any backward pass against central differences in float64, and say what looks wrong.

    from tinynet.gradcheck import gradcheck

    result = gradcheck(layer, x)                  # a layer: dx and every params[name]
    result = gradcheck(loss, y_pred, y_true=t)    # a loss: loss.gradient(t, y_pred)
    result = gradcheck(f, x, backward=df)         # y = f(x), and dx = df(dy) right after it
    result = gradcheck(f, x)                      # f(x) returns (scalar value, its gradient)
    print(result)                                 # the report; result.passed is a bool

What counts as each kind:
- a **layer** has ``forward(x)`` (``training=True`` is passed if it takes it) and
  ``backward(dy) -> dx``, and optionally ``params``/``grads``, dicts with the same keys.
  An activation (``forward(z)``, ``backward(dy, y)``) is checked the same way.
- a **loss** is callable as ``loss(y_true, y_pred) -> float`` and has
  ``gradient(y_true, y_pred) -> dy``.
- anything else callable is a **function** of one array.

The layer is checked on a float64 copy (your object is not changed). The scalar probed is
``L = Σ y ⊙ r`` for a fixed random ``r``, so backward receives ``dy = r``; the numeric
gradient of each entry is ``(L(a + ε) − L(a − ε)) / 2ε``. The error of an array is
``max |analytic − numeric| / max(max |analytic|, max |numeric|)``; it passes below ``tol``.

``result.checks[name]`` (``"x"`` or a parameter name) is an ``ArrayCheck`` with ``error``,
``worst`` (index of the largest difference), ``analytic``, ``numeric``, ``passed`` and
``hint``: "looks transposed", "sign flipped", "off by a constant factor k", "correct
except where z == 0" (only entries on a kink differ), or a missing/ill-shaped gradient.
"""

import copy
import inspect
from dataclasses import dataclass

import numpy as np

EPS, TOL = 1e-6, 1e-6


def numerical_gradient(f, x, eps=EPS):
    """∂f/∂x by central differences, (f(x+ε) − f(x−ε)) / 2ε, one entry at a time (x in place)."""
    return _central(f, x, eps)[0]


def relative_error(a, b):
    """max |a − b| / max(max |a|, max |b|): the error relative to the gradient's scale.

    Per-element ratios would flag entries that are exactly 0 analytically (ReLU, max-pool)
    against ~1e-10 of finite-difference noise, so the scale is taken over the whole array.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)
    return float(np.max(np.abs(a - b)) / scale)


@dataclass
class ArrayCheck:
    """The check of one array's gradient: ``"x"``, a parameter name, or ``"y_pred"``."""

    name: str
    analytic: object  # what backward gave (an array, or None if it gave nothing)
    numeric: np.ndarray
    error: float
    worst: tuple  # index of the largest |analytic − numeric|
    passed: bool
    hint: str = ""

    def line(self):
        status = "ok" if self.passed else "FAILED"
        text = f"  {self.name:<8} relative error {self.error:.1e}  {status}"
        if self.error != float("inf") and self.numeric.size:
            a, n = np.asarray(self.analytic)[self.worst], self.numeric[self.worst]
            text += f"   worst {list(self.worst)}: analytic {a:.6g}, numeric {n:.6g}"
        return text + (f"\n           hint: {self.hint}" if self.hint else "")


@dataclass
class GradcheckResult:
    """Every ``ArrayCheck`` of one call, with the report ``print(result)`` shows."""

    what: str
    checks: dict
    tol: float
    eps: float
    notes: tuple = ()

    @property
    def passed(self):
        return all(c.passed for c in self.checks.values())

    @property
    def errors(self):
        """Relative error per checked array, ``{name: float}``."""
        return {name: c.error for name, c in self.checks.items()}

    def report(self):
        head = (f"gradcheck of {self.what} (float64, eps {self.eps:g}, tol {self.tol:g}): "
                f"{'passed' if self.passed else 'FAILED'}")
        return "\n".join([head, *(c.line() for c in self.checks.values()),
                          *(f"  note: {n}" for n in self.notes)])

    __str__ = report


def gradcheck(target, x, y_true=None, backward=None, *, eps=EPS, tol=TOL, seed=0):
    """Compare ``target``'s gradients with central differences; see the module docstring.

    Args:
        target: a layer, an activation, a loss, or a function of one array.
        x: the input (for a loss: the prediction ``y_pred``); copied as float64.
        y_true: a loss's targets (required for a loss, unused otherwise).
        backward: for a function ``y = f(x)``, ``backward(dy)`` returns ``dx``.
        eps: the central-difference step ε.
        tol: the largest relative error that passes.
        seed: seed of the random probe ``r`` (``dy = r``).

    Returns:
        A ``GradcheckResult``: ``.passed``, ``.errors``, ``.checks[name]``, ``print(result)``.
    """
    x = np.array(x, dtype=np.float64)
    # (seed, 12): not default_rng(seed), so r never equals an x drawn from the same seed
    rng, notes = np.random.default_rng((seed, 12)), []
    if hasattr(target, "forward") and hasattr(target, "backward"):
        what, value, arrays, analytic = _layer(target, x, rng, notes)
    elif callable(target) and hasattr(target, "gradient"):
        if y_true is None:
            raise ValueError("gradcheck: a loss needs its targets: gradcheck(loss, y_pred, "
                             "y_true=t).")
        what, arrays = f"loss {type(target).__name__}", {"y_pred": x}
        value = lambda: float(target(y_true, x))  # noqa: E731
        analytic = {"y_pred": target.gradient(y_true, x.copy())}
    elif callable(target):
        what, value, arrays, analytic = _function(target, x, backward, rng)
    else:
        raise TypeError(f"gradcheck: expected a layer, a loss or a function, got "
                        f"{type(target).__name__}. See help(tinynet.gradcheck).")
    batch = x.shape[0] if x.ndim else 1
    checks = {name: _check(name, analytic.get(name), value, a, eps, tol, batch)
              for name, a in arrays.items()}
    if notes:  # a pattern read off a noisy or rounded check would mislead
        for c in checks.values():
            c.hint = "see the note below" if not c.passed else ""
    return GradcheckResult(what, checks, tol, eps, tuple(notes))


def _layer(layer, x, rng, notes):
    """A float64 copy of ``layer``, its probed scalar, the arrays to perturb and backward's."""
    name = getattr(layer, "name", None)
    what = f"{type(layer).__name__}" + (f" {name!r}" if isinstance(name, str) else "")
    layer = _float64_copy(layer)
    if hasattr(layer, "compute_dx"):
        layer.compute_dx = True  # a model's lowest layer may skip dx; here we want it
    params = getattr(layer, "params", None) or {}
    two_args = len(inspect.signature(layer.backward).parameters) == 2  # an activation
    takes_training = "training" in inspect.signature(layer.forward).parameters

    def forward():
        y = layer.forward(x, training=True) if takes_training else layer.forward(x)
        return np.asarray(y)

    y = forward()
    r = rng.standard_normal(y.shape)
    if not np.array_equal(forward(), y):
        notes.append("forward gave different outputs for the same input (a random mask?): "
                     "fix it, e.g. Dropout's layer.fixed_mask, or no check can pass.")
    if y.dtype != np.float64:
        notes.append(f"forward returned {y.dtype}, not float64: the differences drown in "
                     "rounding. Compute in the input's dtype.")
    value = lambda: float(np.sum(forward() * r))  # noqa: E731
    y = forward()  # refresh the caches backward reads
    dx = layer.backward(r, y) if two_args else layer.backward(r)
    grads = getattr(layer, "grads", None) or {}
    analytic = {"x": dx, **{k: grads.get(k) for k in params}}
    return what, value, {"x": x, **params}, analytic


def _function(f, x, backward, rng):
    """The probed scalar of ``y = f(x)`` with ``backward``, or of ``f(x) -> (value, grad)``."""
    what = f"function {getattr(f, '__name__', type(f).__name__)}"
    if backward is None:
        out = f(x.copy())
        if not (isinstance(out, tuple) and len(out) == 2 and np.ndim(out[0]) == 0):
            raise ValueError("gradcheck: a function without backward= must return "
                             "(scalar value, gradient); otherwise pass backward=lambda dy: dx.")
        return what, lambda: float(f(x)[0]), {"x": x}, {"x": out[1]}
    y = np.asarray(f(x))
    r = rng.standard_normal(y.shape)
    f(x)
    return what, lambda: float(np.sum(np.asarray(f(x)) * r)), {"x": x}, {"x": backward(r)}


def _float64_copy(layer):
    """A deep copy with every float array in its attributes (and their dicts) as float64."""
    layer, seen = copy.deepcopy(layer), {}

    def promote(a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype != np.float64:
            return seen.setdefault(id(a), a.astype(np.float64))  # aliases stay aliases
        return a

    for key, value in vars(layer).items():
        if isinstance(value, dict):
            for k in value:
                value[k] = promote(value[k])
        else:
            setattr(layer, key, promote(value))
    if isinstance(getattr(layer, "dtype", None), np.dtype):
        layer.dtype = np.dtype(np.float64)
    return layer


def _central(f, a, eps):
    """Central differences of ``f()`` w.r.t. ``a`` (perturbed in place), and where ``f`` kinks.

    An entry sits on a kink when its two one-sided slopes differ by far more than the
    ε·f'' of a smooth function: there the derivative is undefined and the centre averages.
    """
    grad, jump = np.zeros(a.shape), np.zeros(a.shape)
    f0 = f()
    flat = a.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        grad.flat[i] = (plus - minus) / (2 * eps)
        jump.flat[i] = abs((plus - f0) - (f0 - minus)) / eps
    scale = max(np.max(np.abs(grad), initial=0), 1e-12)
    return grad, jump > 1e-3 * scale


def _check(name, analytic, value, a, eps, tol, batch):
    numeric, kinks = _central(value, a, eps)
    if analytic is None:
        return ArrayCheck(name, None, numeric, float("inf"), (), False,
                          f"backward gave no gradient for '{name}'"
                          + (": return dx." if name == "x" else f": set grads['{name}']."))
    g = np.asarray(analytic, dtype=np.float64)
    if g.shape != numeric.shape:
        hint = f"shape {g.shape}, expected {numeric.shape}"
        if g.ndim == 2 and g.T.shape == numeric.shape and relative_error(g.T, numeric) < tol:
            hint = f"looks transposed ({hint}): analytic.T matches. Swap the product's order."
        return ArrayCheck(name, g, numeric, float("inf"), (), False, hint)
    error = relative_error(g, numeric)
    worst = np.unravel_index(np.argmax(np.abs(g - numeric)), g.shape) if g.size else ()
    worst = tuple(int(i) for i in worst)
    passed = error < tol
    return ArrayCheck(name, g, numeric, error, worst, passed,
                      "" if passed else _hint(g, numeric, kinks, tol, batch))


def _hint(g, n, kinks, tol, batch):
    """A name for the pattern of a failed check, when one fits."""
    if g.ndim == 2 and g.shape == g.T.shape and relative_error(g, n.T) < tol:
        return "looks transposed: analytic matches numeric.T. Swap the product's order."
    scale = max(np.abs(g).max(), np.abs(n).max(), 1e-12)
    bad = np.abs(g - n) > tol * scale
    if kinks.any() and not (bad & ~kinks).any():
        return (f"correct except where z == 0: the {int(bad.sum())} differing entries sit on "
                "a kink (ReLU at 0, a max-pool tie), where the derivative is undefined and "
                "central differences average both sides. Move the inputs off the kink.")
    if not g.any():
        return "the analytic gradient is all zeros: does backward fill it?"
    if (n * n).sum() > 0:
        k = float((g * n).sum() / (n * n).sum())
        if relative_error(g, k * n) < tol:
            if abs(k + 1) < 1e-3:
                return "sign flipped: analytic = −numeric. Check a subtraction's order."
            return f"off by a constant factor k = {k:.6g}{_factor_reason(k, batch)}"
    return ""


def _factor_reason(k, batch):
    """Why a factor ``k`` may have crept in: the batch size ``N``, or a 2 from a square."""
    reasons = {1 / batch: f" = 1/N (N = {batch}, the batch size): did you average twice?",
               batch: f" = N (N = {batch}, the batch size): did you forget to average?",
               0.5: " = 1/2: a ½ too many?", 2.0: " = 2: d(x²)/dx = 2x, or a ½ missing?"}
    for c, reason in reasons.items():
        if batch > 1 or c in (0.5, 2.0):
            if abs(k / c - 1) < 1e-3:
                return reason
    return "."
