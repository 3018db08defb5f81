"""MaxPooling2D: TF's tie rule, the two paths agreeing, Keras parity, bad input.

The central-difference check of MaxPooling2D is in test_gradients.py (no TensorFlow needed).
"""

import numpy as np
import pytest
from cases import pool_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from tinynet.layers.pooling import MaxPooling2D

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras


def tied_input(rng, shape, dtype=np.float32):
    """Values from {−1, 0, 1}: most windows hold a tie, as after a ReLU."""
    return rng.integers(-1, 2, shape).astype(dtype)


# -- ties: TF's rule, and the two paths give identical numbers --------------------------------
def tf_max_pool_and_grad(x, dy, pool_size, strides, padding):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, pool_size, strides, padding.upper())
    return y.numpy(), tape.gradient(y, x, output_gradients=tf.constant(dy)).numpy()


@pytest.mark.parametrize("window", [[[7, 7], [7, 7]], [[0, 5], [5, 5]], [[3, 1], [3, 3]]])
def test_a_tie_sends_the_whole_gradient_to_the_first_maximum_like_tf(window):
    x = np.array(window, dtype=np.float32).reshape(1, 2, 2, 1)
    layer = MaxPooling2D()
    layer.forward(x)
    dx = layer.backward(np.ones((1, 1, 1, 1), dtype=np.float32))
    first = np.unravel_index(np.argmax(window), (2, 2))  # row-major: top row, then left to right
    assert dx.sum() == 1 and dx[0, first[0], first[1], 0] == 1
    np.testing.assert_array_equal(dx, tf_max_pool_and_grad(x, np.ones((1, 1, 1, 1), np.float32),
                                                           2, 2, "valid")[1])


@given(pool_cases(tiled=True))
def test_reshape_path_equals_sliding_window_path_including_ties(case):
    kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    layer = MaxPooling2D(**kwargs)
    x = tied_input(rng, shape)
    layer.forward(x)
    assert layer.tiled
    dy = rng.standard_normal((shape[0], *layer.output_shape)).astype(np.float32)
    y_blocks, dx_blocks = layer.forward_blocks(x), layer.backward_blocks(dy)
    y_windows, dx_windows = layer.forward_windows(x), layer.backward_windows(dy)
    np.testing.assert_array_equal(y_blocks, y_windows)
    np.testing.assert_array_equal(dx_blocks, dx_windows)


def test_only_windows_that_tile_the_input_take_the_reshape_path():
    x = np.zeros((1, 6, 7, 1))
    tiled = [MaxPooling2D(2), MaxPooling2D(2, padding="same"), MaxPooling2D(2, strides=1),
             MaxPooling2D((2, 7), padding="same"), MaxPooling2D(3, padding="same")]
    for layer in tiled:
        layer.forward(x)
    assert [layer.tiled for layer in tiled] == [True, False, False, True, False]


# -- parity with keras.layers.MaxPooling2D (float32) ---------------------------------------------
@settings(max_examples=15)
@given(pool_cases(max_hw=9), st.booleans())
def test_matches_keras_output_and_input_gradient(case, ties):
    kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    x = tied_input(rng, shape) if ties else rng.standard_normal(shape).astype(np.float32)
    layer = MaxPooling2D(**kwargs)
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = layer.backward(dy)
    twin = keras.layers.MaxPooling2D(**kwargs)
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        y_k = twin(x_tf)
    dx_k = tape.gradient(y_k, x_tf, output_gradients=tf.constant(dy)).numpy()
    np.testing.assert_array_equal(y, y_k.numpy())  # a max is exact
    # overlapping windows add several dy into one pixel, in an order that may differ: 1 ulp-ish
    np.testing.assert_allclose(dx, dx_k, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 26, 26, 4), (2, 11, 11, 4)])
def test_the_cnns_pools_match_tf_on_relu_like_ties(shape):
    # half the entries 0, as after a ReLU: many windows are all-zero ties
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal(shape), 0).astype(np.float32)
    layer = MaxPooling2D((2, 2))
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    y_tf, dx_tf = tf_max_pool_and_grad(x, dy, 2, 2, "valid")
    np.testing.assert_array_equal(y, y_tf)
    np.testing.assert_array_equal(layer.backward(dy), dx_tf)


@given(pool_cases(max_hw=30))
def test_output_shape_matches_keras(case):
    kwargs, shape, _ = case
    want = keras.layers.MaxPooling2D(**kwargs).compute_output_shape((None, *shape[1:]))
    assert MaxPooling2D(**kwargs).compute_output_shape(shape[1:]) == want[1:]


def test_float32_stays_float32_and_float64_stays_float64():
    for dtype in ("float32", "float64"):
        layer = MaxPooling2D(3, strides=2, padding="same", dtype=dtype)
        y = layer.forward(np.ones((1, 5, 5, 2)))
        assert y.dtype == layer.backward(np.ones(y.shape)).dtype == np.dtype(dtype)


def test_config_rebuilds_the_layer_and_keras_accepts_it():
    layer = MaxPooling2D((3, 2), padding="Same")
    config = layer.get_config()
    assert config["strides"] == (3, 2) and config["padding"] == "same"
    assert MaxPooling2D(**config).get_config() == config
    del config["name"], config["dtype"]
    want = keras.layers.MaxPooling2D(**config).compute_output_shape((None, 7, 7, 3))
    assert layer.compute_output_shape((7, 7, 3)) == want[1:]


def test_default_names_follow_keras():
    names = [MaxPooling2D().name for _ in range(2)]
    assert names == ["max_pooling2d", "max_pooling2d_1"]


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, fragment", [
    ({"pool_size": 0}, "pool_size must be a positive int"),
    ({"pool_size": (2, -2)}, "pool_size must be a positive int"),
    ({"strides": 0}, "strides must be a positive int"),
    ({"strides": (2,)}, "strides must be a positive int"),
    ({"padding": "causal"}, "padding must be one of 'same', 'valid'"),
])
def test_bad_constructor_arguments_are_refused(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment) as err:
        MaxPooling2D(**kwargs)
    assert "max_pooling2d" in str(err.value) and "got" in str(err.value)


def test_input_of_the_wrong_rank_is_refused():
    with pytest.raises(ValueError, match=r"max_pooling2d: expected a 4-D input .* got shape"):
        MaxPooling2D().forward(np.zeros((4, 4, 1)))


def test_input_with_other_channels_than_built_with_is_refused():
    layer = MaxPooling2D()
    layer.forward(np.zeros((1, 4, 4, 8)))
    with pytest.raises(ValueError, match="expected 8 input channels .* got 3"):
        layer.forward(np.zeros((1, 4, 4, 3)))


def test_input_smaller_than_the_pool_is_refused_with_valid_padding_only():
    with pytest.raises(ValueError, match="1x5 pixels is smaller than the 2x2 pool.*'same'"):
        MaxPooling2D().forward(np.zeros((1, 1, 5, 1)))
    assert MaxPooling2D(padding="same").forward(np.zeros((1, 1, 5, 1))).shape == (1, 1, 3, 1)
