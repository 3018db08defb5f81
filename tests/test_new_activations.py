"""leaky_relu, elu, selu, gelu, softplus, swish/silu and hard_sigmoid without TensorFlow:
central differences, known values, no overflow, and use by name in layers."""

import math

import numpy as np
import pytest
from gradcheck import check_layer
from hypothesis import given
from hypothesis import strategies as st

from tinynet import activations
from tinynet import layers as tl

NEW = ["leaky_relu", "elu", "selu", "gelu", "softplus", "silu", "swish", "hard_sigmoid"]


def away_from_kinks(x):
    """Nudge entries off the kinks at 0 and ±3, where the derivative is one-sided."""
    for kink in (0.0, 3.0, -3.0):
        close = np.abs(x - kink) < 1e-3
        x[close] = kink + 1e-2
    return x


@pytest.mark.parametrize("name", NEW)
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 6)), seed=st.integers(0, 2**16))
def test_derivative_matches_central_differences(name, shape, seed):
    x = away_from_kinks(np.random.default_rng(seed).normal(0, 3, shape))
    check_layer(activations.get(name), x, seed=seed)


@pytest.mark.parametrize("name", NEW)
def test_activation_layer_and_dense_by_name_match_central_differences(name):
    rng = np.random.default_rng(len(name))
    check_layer(tl.Activation(name, dtype="float64"), away_from_kinks(rng.normal(0, 3, (3, 5))))
    dense = tl.Dense(4, activation=name, dtype="float64")
    dense.build((3,))
    dense.params["kernel"][...] = rng.normal(0, 1.5, (3, 4))
    dense.params["bias"][...] = rng.normal(0, 1, 4)
    check_layer(dense, rng.normal(size=(5, 3)))


SELU_SCALE, SELU_ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717


# To 1e-7: TF keeps leaky_relu's slope 0.2 and gelu's 1/√2 in float32 (tinynet follows)
@pytest.mark.parametrize("name, z, y", [
    ("leaky_relu", [-2.0, 0.0, 3.0], [-0.4, 0.0, 3.0]),  # Keras's default slope is 0.2
    ("elu", [-1.0, 0.0, 2.0], [math.expm1(-1), 0.0, 2.0]),
    ("selu", [-1.0, 2.0], [SELU_SCALE * SELU_ALPHA * math.expm1(-1), SELU_SCALE * 2]),
    ("gelu", [-1.0, 0.0, 1.0], [-0.15865525393145707, 0.0, 0.8413447460685429]),  # z·Φ(z)
    ("softplus", [-1000.0, 0.0, 1000.0], [0.0, math.log(2), 1000.0]),  # no overflow
    ("silu", [-1.0, 0.0, 2.0], [-1 / (1 + math.e), 0.0, 2 / (1 + math.exp(-2))]),
    ("hard_sigmoid", [-4.0, -3.0, 0.0, 1.5, 3.0], [0.0, 0.0, 0.5, 0.75, 1.0]),  # Keras 3 form
])
def test_known_values(name, z, y):
    np.testing.assert_allclose(activations.get(name).forward(np.array(z)), y, rtol=1e-7,
                               atol=1e-300)


def test_swish_is_silu_and_keeps_keras_name():
    assert activations.get("swish").name == activations.get("silu").name == "silu"


def test_each_layer_gets_its_own_instance_of_a_caching_activation():
    gelu = activations.get("gelu")
    a, b = tl.Dense(2, activation=gelu), tl.Dense(2, activation=gelu)
    assert a.activation is not b.activation  # they cache z: sharing would mix the two layers


@pytest.mark.parametrize("name", NEW)
def test_float32_stays_float32_and_large_inputs_stay_finite(name):
    act = activations.get(name)
    z = np.array([-1e4, -50.0, -1.0, 0.5, 50.0, 1e4], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise"):
        y = act.forward(z)
        dz = act.backward(np.ones_like(z), y)
    assert y.dtype == dz.dtype == np.float32
    assert np.isfinite(y).all() and np.isfinite(dz).all()
