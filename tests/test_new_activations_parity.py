"""The new activations against keras.activations: output and dx, at the kinks too, by name in
Dense and Activation, and through to_keras / from_keras."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

import tinynet  # noqa: E402
from tinynet import activations  # noqa: E402
from tinynet import layers as tl  # noqa: E402
from tinynet.tools.interop import from_keras, to_keras  # noqa: E402

NEW = ["leaky_relu", "elu", "selu", "gelu", "softplus", "silu", "swish", "hard_sigmoid"]


def keras_value_and_dx(name, z, dy):
    z_tf = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z_tf)
        y = keras.activations.get(name)(z_tf)
    return y.numpy(), tape.gradient(y, z_tf, output_gradients=tf.constant(dy)).numpy()


def rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NEW)
def test_output_and_dx_match_keras(name, dtype):
    rng = np.random.default_rng(len(name))
    # a wide range, large |z| (saturation, overflow) and the kinks 0 and ±3 exactly
    z = np.concatenate([rng.normal(0, 3, 200), [0.0, 3.0, -3.0, -40.0, 40.0, -700.0, 700.0]])
    z = z.astype(dtype)
    dy = rng.normal(size=z.shape).astype(dtype)
    act = activations.get(name)
    y = act.forward(z)
    dx = act.backward(dy, y)
    y_k, dx_k = keras_value_and_dx(name, z, dy)
    tol = 1e-12 if dtype == "float64" else 1e-6
    assert rel(y, y_k) < tol, "output"
    assert rel(dx, dx_k) < tol, "dx"
    kinks = np.isin(z, [0.0, 3.0, -3.0])  # the slope chosen at a kink is TF's exactly
    np.testing.assert_allclose(dx[kinks], dx_k[kinks], rtol=10 * tol)


@pytest.mark.parametrize("name", NEW)
def test_by_name_in_dense_and_activation_matches_keras_through_interop(name):
    rng = np.random.default_rng(len(name) + 1)
    model = tinynet.Sequential([tl.Input((4,)), tl.Dense(5, activation=name, dtype="float64"),
                                tl.Activation(name, dtype="float64"),
                                tl.Dense(2, dtype="float64")])
    model.set_weights([rng.normal(0, 1, w.shape) for w in model.get_weights()])
    km = to_keras(model, compile=False)
    assert km.layers[0].get_config()["activation"] == ("silu" if name == "swish" else name)
    x = rng.normal(0, 2, (6, 4))
    dy = rng.normal(size=(6, 2))
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        y_k = km(x_tf)
    dx_k, *grads_k = tape.gradient(y_k, [x_tf, *km.trainable_weights],
                                   output_gradients=tf.constant(dy))
    y = model(x, training=True)
    for layer in model.layers:
        layer.compute_dx = True
    for layer in reversed(model.layers):
        dy = layer.backward(dy)
    assert rel(y, y_k.numpy()) < 1e-6 and rel(dy, dx_k.numpy()) < 1e-6
    grads = [g for layer in model.layers for g in layer.grads.values()]
    for g, g_k in zip(grads, grads_k, strict=True):
        assert rel(g, g_k.numpy()) < 1e-6
    back = from_keras(km, compile=False)
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras_3_hard_sigmoid_is_not_keras_2s():
    z = np.array([-2.0, 1.0])
    y_k, _ = keras_value_and_dx("hard_sigmoid", z, np.ones(2))
    np.testing.assert_allclose(y_k, np.clip(z + 3, 0, 6) / 6)  # relu6(z + 3) / 6
    assert not np.allclose(y_k, np.clip(0.2 * z + 0.5, 0, 1))  # Keras 2's 0.2·z + 0.5


def test_keras_gelu_by_name_is_the_exact_erf_form():
    z = np.array([-2.0, 0.5, 1.5])
    exact = activations.get("gelu").forward(z)
    tanh_form = 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    assert rel(keras_value_and_dx("gelu", z, np.ones(3))[0], exact) < 1e-14
    assert rel(tanh_form, exact) > 1e-5  # the approximation is a different function
