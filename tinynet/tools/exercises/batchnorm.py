"""Exercise ``batchnorm``: BatchNormalization's backward in training mode, through μ and σ²."""

import numpy as np

from tinynet.layers.normalization import BatchNormalization
from tinynet.tools.exercises import keras_parity
from tinynet.tools.exercises.base import Case, Exercise, Probe, unpack

EPSILON = 1e-3  # Keras's default

GIVEN = '''
"""tinynet exercise `batchnorm`: write BatchNormalization's backward pass (training mode).

Each channel (the last axis) is normalized by the mean and the biased variance of its values
over every other axis (the batch, and the pixels of an image). Check it with
`tinynet exercise check batchnorm`; `tinynet exercise start batchnorm --hint` gives a hint.
"""

import numpy as np


# μ = mean(x)   σ² = mean((x − μ)²)   x̂ = (x − μ)/√(σ² + ε)   y = γ·x̂ + β   (per channel)
def batchnorm_forward(x, gamma, beta, eps=1e-3):
    """x (..., C), gamma and beta (C,) → y (..., C) and the cache for backward."""
    axes = tuple(range(x.ndim - 1))  # every axis but the channels
    mu = x.mean(axis=axes)
    xc = x - mu
    var = (xc**2).mean(axis=axes)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = xc * inv_std
    cache = {"x_hat": x_hat, "xc": xc, "inv_std": inv_std, "gamma": gamma, "axes": axes}
    return gamma * x_hat + beta, cache
'''

STUBS = '''
def batchnorm_backward(dy, cache):
    """(dx, dgamma, dbeta) given dy = ∂L/∂y, in training mode (μ and σ² depend on x).

    Shapes: dy (..., C) as y; cache as batchnorm_forward returned it.
    Returns dx (..., C), dgamma (C,), dbeta (C,).
    """
    raise NotImplementedError("batchnorm_backward: write it, then "
                              "`tinynet exercise check batchnorm`")
'''

HINT = """\
γ and β are easy: y = γ·x̂ + β per channel, so dβ = Σ dy and dγ = Σ dy·x̂ over every axis but
the channels. For dx, the trap is that μ and σ² are functions of x too: every x of a channel
moves its mean and variance, and through them every x̂ of that channel. Go step by step with
dx̂ = γ·dy: dσ² = Σ dx̂·(x − μ)·(−½)(σ² + ε)^(−3/2), dμ = −Σ dx̂/√(σ² + ε) (plus a term that is
0), then dx = dx̂/√(σ² + ε) + dσ²·2(x − μ)/M + dμ/M, with M values per channel. Simplify if you
like: it collapses to one line in x̂."""

FORMULA = "dx = s·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),  s = 1/√(σ² + ε),  dx̂ = γ·dy"
RETURNS = "batchnorm_backward(dy, cache) must return three arrays, (dx, dgamma, dbeta)"


# dβ = Σ dy   dγ = Σ dy·x̂   dx̂ = γ·dy   dx = s·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
def batchnorm_backward(dy, cache):
    """BatchNormalization's gradients in training mode, the mean and variance included."""
    x_hat, s, axes = cache["x_hat"], cache["inv_std"], cache["axes"]
    dx_hat = dy * cache["gamma"]
    dx = s * (dx_hat - dx_hat.mean(axis=axes) - x_hat * (dx_hat * x_hat).mean(axis=axes))
    return dx, (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)


def _case(label, x, gamma, beta):
    def make(fns):
        def run(x, p):
            return unpack(fns["batchnorm_forward"](x, p["gamma"], p["beta"], EPSILON), 2,
                          "batchnorm_forward must return (y, cache)")

        def back(dy, x, p, cache):
            dx, dgamma, dbeta = unpack(fns["batchnorm_backward"](dy, cache), 3, RETURNS)
            return dx, {"gamma": dgamma, "beta": dbeta}
        return Probe(run, back, {"gamma": gamma.copy(), "beta": beta.copy()})
    return Case(label, x, make)


def cases(rng):
    n = rng.standard_normal
    return [_case("x (6, 4): a batch of Dense outputs", 3 + 2 * n((6, 4)), 1 + n(4), n(4)),
            _case("x (2, 3, 3, 2): images, statistics over N·H·W", n((2, 3, 3, 2)), 1 + n(2),
                  n(2))]


def keras(fns, case, rng):
    tf, k = keras_parity.tf_keras()
    probe, G, ours = keras_parity.learner_side(fns, case, rng)
    p, channels = probe.params, case.x.shape[-1]
    layer = k.layers.BatchNormalization(epsilon=EPSILON, dtype="float64")
    layer.build(case.x.shape)
    layer.set_weights([p["gamma"], p["beta"], np.zeros(channels), np.ones(channels)])
    theirs = keras_parity.tape(lambda x: keras_parity._sum(layer(x, training=True), G),
                               [case.x], layer.trainable_weights)
    return {name: (ours[name], g) for name, g in zip(("x", "gamma", "beta"), theirs, strict=True)}


EXERCISE = Exercise(
    name="batchnorm", title="BatchNormalization", level=3,
    teaches="a layer whose statistics depend on the whole batch: μ and σ² have gradients too",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"batchnorm_backward": batchnorm_backward},
    library=(("the layer, step by step through σ² and μ", BatchNormalization.backward_steps),
             ("and in one line", BatchNormalization.backward)),
    names={"x": "dx", "gamma": "dgamma", "beta": "dbeta"}, returns=RETURNS,
    cases=cases, keras=keras)
