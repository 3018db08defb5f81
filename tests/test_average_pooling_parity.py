"""AveragePooling2D and GlobalAveragePooling2D against Keras: outputs, dx and shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_average_pooling import pool_cases

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

from tinynet.layers import AveragePooling2D, GlobalAveragePooling2D  # noqa: E402


def keras_value_and_dx(layer, x, dy):
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        y = layer(x_tf)
    return y.numpy(), tape.gradient(y, x_tf, output_gradients=tf.constant(dy)).numpy()


@settings(max_examples=15)
@given(pool_cases(max_hw=9), st.sampled_from(["float64", "float32"]))
def test_average_pooling_matches_keras(case, dtype):
    kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape).astype(dtype)
    layer = AveragePooling2D(dtype=dtype, **kwargs)
    y = layer.forward(x)
    dy = rng.normal(size=y.shape).astype(dtype)
    y_k, dx_k = keras_value_and_dx(keras.layers.AveragePooling2D(dtype=dtype, **kwargs), x, dy)
    tol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(y, y_k, rtol=tol, atol=tol * np.abs(y_k).max())
    np.testing.assert_allclose(layer.backward(dy), dx_k, rtol=tol, atol=tol * np.abs(dx_k).max())


@settings(max_examples=10)
@given(pool_cases(max_hw=30))
def test_average_pooling_output_shape_matches_keras(case):
    kwargs, shape, _ = case
    want = keras.layers.AveragePooling2D(**kwargs).compute_output_shape((None, *shape[1:]))
    assert AveragePooling2D(**kwargs).compute_output_shape(shape[1:]) == want[1:]


def test_keras_same_padding_averages_only_the_real_cells():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y_k = keras.layers.AveragePooling2D(2, padding="same", dtype="float64")(x).numpy()
    np.testing.assert_array_equal(y_k[0, :, :, 0], [[2.0, 3.5], [6.5, 8.0]])
    y = AveragePooling2D(2, padding="same", dtype="float64").forward(x)
    np.testing.assert_array_equal(y, y_k)


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling_matches_keras(keepdims):
    rng = np.random.default_rng(int(keepdims))
    x = rng.normal(size=(3, 4, 5, 2))
    layer = GlobalAveragePooling2D(keepdims=keepdims, dtype="float64")
    y = layer.forward(x)
    dy = rng.normal(size=y.shape)
    twin = keras.layers.GlobalAveragePooling2D(keepdims=keepdims, dtype="float64")
    y_k, dx_k = keras_value_and_dx(twin, x, dy)
    np.testing.assert_allclose(y, y_k, rtol=1e-12)
    np.testing.assert_allclose(layer.backward(dy), dx_k, rtol=1e-12)
