"""One central-difference gradient checker, run in float64 on every layer and loss."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """∂f/∂x by central differences, (f(x+ε) − f(x−ε)) / 2ε, one entry at a time (x in place)."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a − b| / max(max |a|, max |b|): the error relative to the gradient's scale.

    Per-element ratios would flag entries that are exactly 0 analytically (ReLU, max-pool)
    against ~1e-10 of finite-difference noise, so the scale is taken over the whole array.
    """
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)
    return float(np.max(np.abs(a - b)) / scale)


def check_layer(layer, x, seed=0, tol=1e-6):
    """Compare ``layer.backward`` with central differences for the input and every parameter.

    The scalar probed is L = Σ y ⊙ r for a fixed random r, so dy = r.
    Returns a dict of relative errors keyed by "x" and parameter names; asserts each < tol.
    """
    x = np.array(x, dtype=np.float64)
    y = layer.forward(x, training=True)
    r = np.random.default_rng(seed).standard_normal(y.shape)

    def loss():
        return float(np.sum(layer.forward(x, training=True) * r))

    layer.forward(x, training=True)
    analytic = {"x": layer.backward(r)}
    analytic.update({k: g.copy() for k, g in layer.grads.items()})
    errors = {"x": relative_error(analytic["x"], numerical_gradient(loss, x))}
    for name, w in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, w))
    bad = {k: e for k, e in errors.items() if not e < tol}
    assert not bad, f"{layer.name}: gradient check failed, relative errors {bad}"
    return errors
