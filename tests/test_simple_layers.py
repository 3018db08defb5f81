"""Flatten, Dropout and Activation: Keras parity, dropout statistics, config, bad input.

Their central-difference checks are in test_gradients.py, which needs no TensorFlow.
"""

import numpy as np
import pytest

from tinynet import utils
from tinynet.layers.activation import Activation
from tinynet.layers.dropout import Dropout
from tinynet.layers.reshape import Flatten

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"]


def keras_forward_and_grad(keras_layer, x, dy, **call_kwargs):
    """Keras's output and the GradientTape gradient of Σ y ⊙ dy w.r.t. x (so the seed is dy)."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = keras_layer(xt, **call_kwargs)
        scalar = tf.reduce_sum(y * dy)
    return y.numpy(), tape.gradient(scalar, xt).numpy()


def assert_parity(layer, keras_layer, x, training=False):
    dy = np.random.default_rng(1).standard_normal(layer.forward(x, training).shape)
    dy = dy.astype(np.float32)
    y_keras, dx_keras = keras_forward_and_grad(keras_layer, x, dy, training=training)
    y = layer.forward(x, training=training)
    np.testing.assert_allclose(y, y_keras, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer.backward(dy), dx_keras, rtol=1e-6, atol=1e-7)
    assert y.dtype == np.float32


# -- Flatten ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 4, 5, 2), (3, 7), (4,)])
def test_flatten_matches_keras(shape):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    layer = Flatten()
    assert_parity(layer, keras.layers.Flatten(), x)
    assert layer.output_shape == keras.layers.Flatten().compute_output_shape(shape)[1:]


def test_flatten_config_and_shape_check():
    layer = Flatten(name="flat")
    assert layer.get_config() == {"name": "flat", "dtype": "float32"}
    assert Flatten(**layer.get_config()).name == "flat"
    layer.forward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3, 4\)"):
        layer.forward(np.zeros((2, 4, 3)))


# -- Activation -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_keras(name):
    x = (3 * np.random.default_rng(4).standard_normal((4, 6))).astype(np.float32)
    assert_parity(Activation(name), keras.layers.Activation(name), x)


def test_activation_fused_head_and_config():
    layer = Activation("softmax")
    z = np.random.default_rng(5).standard_normal((2, 3)).astype(np.float32)
    layer.forward(z)
    np.testing.assert_array_equal(layer.z, z)  # the logits a fused loss reads
    dz = np.ones((2, 3), dtype=np.float32)
    assert layer.backward_linear(dz) is dz
    assert layer.name == "activation"
    config = layer.get_config()
    assert config["activation"] == "softmax"
    assert Activation(**{**config, "name": "copy"}).activation.name == "softmax"


def test_activation_unknown_name():
    with pytest.raises(ValueError, match="Unknown activation 'swishy'. Valid activations:"):
        Activation("swishy")


# -- Dropout --------------------------------------------------------------------------------
def test_dropout_rate_zero_matches_keras():
    x = np.random.default_rng(7).standard_normal((4, 5)).astype(np.float32)
    assert_parity(Dropout(0.0), keras.layers.Dropout(0.0), x, training=True)


def test_dropout_with_keras_mask_matches_keras_exactly():
    # Keras draws its own mask; read it back from the output (x has no zeros), inject it,
    # and the output and gradient must agree bit for bit: both compute x·(1/(1 − rate)).
    rng = np.random.default_rng(8)
    x = rng.uniform(0.5, 2.0, (32, 64)).astype(np.float32) * rng.choice([-1, 1], (32, 64))
    dy = rng.standard_normal(x.shape).astype(np.float32)
    y_keras, dx_keras = keras_forward_and_grad(
        keras.layers.Dropout(0.3, seed=11), x, dy, training=True)
    layer = Dropout(0.3)
    layer.fixed_mask = y_keras != 0
    assert 0 < layer.fixed_mask.mean() < 1
    np.testing.assert_array_equal(layer.forward(x, training=True), y_keras)
    np.testing.assert_array_equal(layer.backward(dy), dx_keras)


def test_dropout_is_identity_at_inference():
    x = np.random.default_rng(9).standard_normal((3, 4)).astype(np.float32)
    layer = Dropout(0.5)
    layer.fixed_mask = np.zeros((3, 4), dtype=bool)  # ignored outside training
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_kept_fraction_and_scaling():
    # Each of n units is kept independently with probability q = 1 − rate, so the kept count
    # is Binomial(n, q): the kept fraction has mean q and std σ = sqrt(q(1 − q)/n)
    # (= 4e-4 for q = 0.8, n = 10⁶). A 5σ band fails by chance with probability < 6e-7.
    # Every survivor is 1/q, so mean(y) = fraction/q, whose std is σ/q.
    rate, n = 0.2, 1_000_000
    q = 1 - rate
    sigma = np.sqrt(q * (1 - q) / n)
    y = Dropout(rate).forward(np.ones((1000, n // 1000), dtype=np.float32), training=True)
    kept = y != 0
    assert abs(kept.mean() - q) < 5 * sigma
    assert np.all(y[kept] == np.float32(1 / q))
    assert abs(y.mean() - 1) < 5 * sigma / q


def test_dropout_backward_uses_the_forward_mask():
    layer = Dropout(0.5, seed=0)
    x = np.ones((8, 16), dtype=np.float32)
    y = layer.forward(x, training=True)
    np.testing.assert_array_equal(layer.backward(x), y)  # dx = dy ⊙ mask, with dy = x


def test_dropout_seeding():
    x = np.ones((16, 32), dtype=np.float32)
    a, b = Dropout(0.5, seed=3), Dropout(0.5, seed=3)
    first = a.forward(x, training=True)
    np.testing.assert_array_equal(first, b.forward(x, training=True))
    assert not np.array_equal(first, a.forward(x, training=True))  # the stream advances
    utils.set_random_seed(42)
    global_a = Dropout(0.5).forward(x, training=True)
    utils.set_random_seed(42)
    np.testing.assert_array_equal(Dropout(0.5).forward(x, training=True), global_a)


def test_dropout_dtype_and_config():
    layer = Dropout(0.25, seed=7, dtype="float64")
    assert layer.forward(np.ones((2, 3)), training=True).dtype == np.float64
    config = layer.get_config()
    keras_config = keras.layers.Dropout(0.25, seed=7).get_config()
    assert (config["rate"], config["seed"]) == (keras_config["rate"], keras_config["seed"])
    copy = Dropout(**{**config, "name": "copy"})
    assert (copy.rate, copy.seed, copy.dtype) == (0.25, 7, np.float64)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5", True, None])
def test_dropout_rejects_bad_rate(rate):
    with pytest.raises(ValueError, match=r"rate must be a float in \[0, 1\), got"):
        Dropout(rate)


def test_dropout_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed must be an int or None, got 'abc'"):
        Dropout(0.5, seed="abc")


def test_dropout_rejects_mask_of_wrong_shape():
    layer = Dropout(0.5)
    layer.fixed_mask = np.ones((2, 3), dtype=bool)
    with pytest.raises(ValueError, match=r"fixed_mask has shape \(2, 3\), the input has \(2, 4\)"):
        layer.forward(np.ones((2, 4)), training=True)
