"""Gradient clipping against Keras 3's optimizers: every optimizer, every option, 20 steps."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

from tinynet import optimizers  # noqa: E402

SHAPES = [(3, 4), (5,), (2, 3, 2)]
SCALES = [1.0, 10.0, 0.01]  # norms ≈ 3.5, 22, 0.035: the options clip some and spare others
CLIPS = [{"clipnorm": 2.0}, {"clipnorm": 0.3}, {"global_clipnorm": 5.0},
         {"global_clipnorm": 0.7}, {"clipvalue": 0.5}, {"clipvalue": 3.0}]
# Powers of two: Keras keeps the learning rate in a float32 variable, so in float64 a rate like
# 0.1 would differ by 1.5e-8 relative, which is not what this file tests.
LEARNING_RATES = {"SGD": 2**-3, "RMSprop": 2**-6, "Adagrad": 2**-3, "Adadelta": 1.0, "Adam": 2**-6}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("name", sorted(LEARNING_RATES))
def test_twenty_clipped_steps_match_keras(name, clip, dtype):
    rng = np.random.default_rng(7)
    w0 = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    steps = [[(rng.normal(size=s) * c).astype(dtype) for s, c in zip(SHAPES, SCALES, strict=True)]
             for _ in range(20)]
    kwargs = {"learning_rate": LEARNING_RATES[name], "momentum": 0.9, **clip}
    if name != "SGD":
        kwargs.pop("momentum")
    theirs = getattr(keras.optimizers, name)(**kwargs)
    variables = [keras.Variable(w, dtype=dtype) for w in w0]
    ours = getattr(optimizers, name)(**kwargs)
    params = {f"p{i}": w.copy() for i, w in enumerate(w0)}
    for grads in steps:
        theirs.apply_gradients(zip(grads, variables, strict=True))
        ours.update(params, {f"p{i}": g for i, g in enumerate(grads)})
    rtol, atol = (1e-5, 1e-6) if dtype == "float32" else (1e-12, 1e-13)
    for i, (v, w) in enumerate(zip(variables, w0, strict=True)):
        np.testing.assert_allclose(params[f"p{i}"] - w, v.numpy() - w, rtol=rtol, atol=atol)


def test_keras_config_with_clipping_round_trips():
    config = keras.optimizers.serialize(keras.optimizers.Adam(global_clipnorm=1.5))
    ours = optimizers.deserialize(config)
    assert ours.global_clipnorm == 1.5 and ours.clipnorm is None
    theirs = keras.optimizers.get(ours.get_config())
    assert theirs.global_clipnorm == 1.5
