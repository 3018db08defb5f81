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

import numpy as np

from tinynet.gradcheck_report import ArrayCheck, GradcheckResult, check, relative_error

__all__ = ["ArrayCheck", "GradcheckResult", "gradcheck", "numerical_gradient",
           "relative_error"]
EPS, TOL = 1e-6, 1e-6


def numerical_gradient(f, x, eps=EPS):
    """∂f/∂x by central differences, (f(x+ε) − f(x−ε)) / 2ε, one entry at a time (x in place)."""
    return _central(f, x, eps)[0]


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
    checks = {name: check(name, analytic.get(name), *_central(value, a, eps), tol, batch)
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
