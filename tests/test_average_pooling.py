"""AveragePooling2D and GlobalAveragePooling2D without TensorFlow: central differences, the
'same' rule (only real cells are averaged), shapes and bad input."""

import numpy as np
import pytest
from gradcheck import check_layer
from hypothesis import given
from hypothesis import strategies as st

from tinynet.layers import AveragePooling2D, GlobalAveragePooling2D


@st.composite
def pool_cases(draw, max_hw=7):
    """Constructor kwargs and a fitting input shape (any pool, strides and padding)."""
    pool = draw(st.sampled_from([(1, 1), (2, 2), (3, 3), (2, 3), (3, 1)]))
    strides = draw(st.sampled_from([None, (1, 1), (2, 2), (1, 3), (3, 2)]))
    padding = draw(st.sampled_from(["valid", "same"]))
    least = pool if padding == "valid" else (1, 1)
    h, w = (draw(st.integers(least[i], max(least[i], max_hw))) for i in range(2))
    shape = (draw(st.integers(1, 3)), h, w, draw(st.integers(1, 3)))
    return {"pool_size": pool, "strides": strides, "padding": padding}, shape, draw(
        st.integers(0, 2**16))


@given(pool_cases())
def test_gradients_match_central_differences(case):
    kwargs, shape, seed = case
    x = np.random.default_rng(seed).normal(size=shape)
    check_layer(AveragePooling2D(dtype="float64", **kwargs), x, seed=seed)


@given(pool_cases())
def test_each_output_is_the_mean_of_the_real_cells_of_its_window(case):
    kwargs, shape, seed = case
    x = np.random.default_rng(seed).normal(size=shape)
    layer = AveragePooling2D(dtype="float64", **kwargs)
    y = layer.forward(x)
    (ph, pw), (sh, sw), ((top, _), (left, _)) = layer.pool_size, layer.strides, layer.pads
    for i in range(y.shape[1]):  # the textbook loop: clip each window to the image
        for j in range(y.shape[2]):
            r0, c0 = i * sh - top, j * sw - left
            window = x[:, max(r0, 0):r0 + ph, max(c0, 0):c0 + pw]
            np.testing.assert_allclose(y[:, i, j], window.mean(axis=(1, 2)), rtol=1e-12)


def test_same_padding_averages_only_the_real_cells():
    x = np.arange(9.0).reshape(1, 3, 3, 1)  # 0 1 2 / 3 4 5 / 6 7 8
    y = AveragePooling2D(2, padding="same", dtype="float64").forward(x)[0, :, :, 0]
    # windows at rows 0-1 and 2(-3), columns 0-1 and 2(-3): the padding is not counted
    np.testing.assert_array_equal(y, [[(0 + 1 + 3 + 4) / 4, (2 + 5) / 2], [(6 + 7) / 2, 8]])


@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5),
                       st.integers(1, 3)), keepdims=st.booleans(), seed=st.integers(0, 2**16))
def test_global_average_gradients_match_central_differences(shape, keepdims, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    layer = GlobalAveragePooling2D(keepdims=keepdims, dtype="float64")
    y = layer.forward(x)
    assert y.shape == ((shape[0], 1, 1, shape[3]) if keepdims else (shape[0], shape[3]))
    np.testing.assert_allclose(y.reshape(shape[0], -1), x.mean(axis=(1, 2)), rtol=1e-13)
    check_layer(layer, x, seed=seed)


@pytest.mark.parametrize("layer", [AveragePooling2D(3, strides=2, padding="same"),
                                   GlobalAveragePooling2D()])
def test_float32_stays_float32_and_float64_stays_float64(layer):
    y = layer.forward(np.ones((1, 5, 5, 2)))
    assert y.dtype == layer.backward(np.ones(y.shape)).dtype == np.float32


def test_configs_rebuild_the_layers():
    for layer in (AveragePooling2D((3, 2), padding="Same"), GlobalAveragePooling2D(True)):
        config = layer.get_config()
        assert type(layer)(**config).get_config() == config


@pytest.mark.parametrize("make, fragment", [
    (lambda: AveragePooling2D(0), "pool_size must be a positive int"),
    (lambda: AveragePooling2D(2, strides=(2,)), "strides must be a positive int"),
    (lambda: AveragePooling2D(2, padding="full"), "padding must be one of 'same', 'valid'"),
    (lambda: AveragePooling2D(2).forward(np.zeros((1, 4, 4))), "expected a 4-D input"),
    (lambda: AveragePooling2D(3).forward(np.zeros((1, 2, 5, 1))), "smaller than the 3x3 pool"),
    (lambda: GlobalAveragePooling2D().forward(np.zeros((2, 4))), "expected a 4-D input"),
])
def test_bad_arguments_and_input_are_refused(make, fragment):
    with pytest.raises(ValueError, match=fragment):
        make()
