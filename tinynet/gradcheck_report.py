"""What a gradient check found: the error measure, one result per array, the report, the hints.

``tinynet.gradcheck`` computes the numbers; this module judges them and names the pattern
of a failure (transposed, a constant factor, a flipped sign, only at kinks).
"""

from dataclasses import dataclass

import numpy as np


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


def check(name, analytic, numeric, kinks, tol, batch):
    """The ``ArrayCheck`` of one array: backward's ``analytic`` against ``numeric``."""
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
