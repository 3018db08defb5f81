"""BatchNormalization without TensorFlow: central differences, the two backward forms, the
moving statistics, frozen mode, and why an all-ones upstream gradient tests nothing."""

import numpy as np
import pytest
from gradcheck import check_layer
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from tinynet import layers as tl
from tinynet.layers import BatchNormalization


def random_bn(shape, rng, **kwargs):
    """A built float64 BN with random γ, β and moving statistics (never the ones/zeros start)."""
    layer = BatchNormalization(dtype="float64", **kwargs)
    layer.build(shape[1:])
    layer.set_weights([rng.normal(0, 1, w.shape) if key != "moving_variance"
                       else rng.uniform(0.5, 2.0, w.shape) for key, w in layer.weights.items()])
    return layer


@st.composite
def bn_cases(draw):
    """A 2-D (Dense) or 4-D (NHWC) shape, options, and a seed."""
    if draw(st.booleans()):
        shape = (draw(st.integers(2, 6)), draw(st.integers(1, 4)))
    else:
        shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                 draw(st.integers(1, 3)))
    kwargs = {"center": draw(st.booleans()), "scale": draw(st.booleans()),
              "epsilon": draw(st.sampled_from([1e-3, 1e-5, 0.5])),
              "momentum": draw(st.sampled_from([0.99, 0.9, 0.0]))}
    return shape, kwargs, draw(st.integers(0, 2**16))


# -- gradients against central differences (float64) ------------------------------------------
@settings(max_examples=20)
@given(bn_cases())
def test_training_mode_gradients_match_central_differences(case):
    shape, kwargs, seed = case
    rng = np.random.default_rng(seed)
    if np.prod(shape) // shape[-1] < 3:
        # one value per channel gives x̂ = 0 and dx = 0; two give x̂ = ±1 whatever x is, so
        # dx is O(ε) and central differences cannot resolve it (the parity tests cover N = 2)
        shape = (3, *shape[1:])
    layer = random_bn(shape, rng, **kwargs)
    x = rng.normal(3.0, 2.0, shape)  # a mean away from 0 and a spread away from 1
    errors = check_layer(layer, x, seed=seed)
    assert set(errors) == {"x", *layer.params}


@settings(max_examples=10)
@given(bn_cases())
def test_frozen_layer_gradients_match_central_differences_through_the_moving_statistics(case):
    shape, kwargs, seed = case
    rng = np.random.default_rng(seed)
    layer = random_bn(shape, rng, **kwargs)
    layer.trainable = False  # inference mode even with training=True, as Keras 3
    check_layer(layer, rng.normal(3.0, 2.0, shape), seed=seed)


def test_other_axis_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    layer = random_bn((3, 4, 2, 5), rng, axis=1)  # channels-first: 4 channels
    assert layer.params["gamma"].shape == (4,)
    check_layer(layer, rng.normal(1.0, 3.0, (3, 4, 2, 5)))


@settings(max_examples=15)
@given(bn_cases())
def test_step_by_step_backward_equals_the_compact_form(case):
    shape, kwargs, seed = case
    rng = np.random.default_rng(seed)
    layer = random_bn(shape, rng, **kwargs)
    x, dy = rng.normal(-2.0, 0.5, shape), rng.normal(size=shape)
    for frozen in (False, True):
        layer.trainable = not frozen
        layer.forward(x, training=True)
        steps, steps_grads = layer.backward_steps(dy), dict(layer.grads)
        compact = layer.backward(dy)
        np.testing.assert_allclose(steps, compact, rtol=1e-9, atol=1e-12 * np.abs(dy).max())
        for key, g in layer.grads.items():
            np.testing.assert_array_equal(g, steps_grads[key])


# -- the lesson: an all-ones upstream gradient cannot see a wrong backward ------------------
def test_all_ones_upstream_gradient_gives_zero_dx_so_it_tests_nothing():
    """L = Σ y = N·β for every x (x̂ sums to 0), so dL/dx = 0 and dL/dγ = 0 exactly.

    A backward that forgets the whole dσ² term passes an all-ones test, and fails a random one.
    """
    rng = np.random.default_rng(0)
    layer = random_bn((8, 3), rng)
    x = rng.normal(5.0, 2.0, (8, 3))
    layer.forward(x, training=True)
    ones = np.ones((8, 3))
    dx = layer.backward(ones)
    assert np.abs(dx).max() < 1e-12 * np.abs(layer.params["gamma"]).max() * layer.inv_std.max()
    np.testing.assert_allclose(layer.grads["gamma"], 0, atol=1e-12)
    np.testing.assert_allclose(layer.grads["beta"], 8)  # only dβ = N is checked at all

    def wrong_backward(dy):  # drops dσ²: dx = s·(dx̂ − mean(dx̂)), a classic mistake
        dx_hat = dy * layer.params["gamma"]
        return layer.inv_std * (dx_hat - dx_hat.mean(axis=0))

    np.testing.assert_allclose(wrong_backward(ones), dx, atol=1e-12)  # blind: both ≈ 0
    g = rng.normal(size=(8, 3))  # a random G tells them apart
    assert np.abs(wrong_backward(g) - layer.backward(g)).max() > 1e-2


# -- forward, moving statistics and modes ----------------------------------------------------
def test_training_forward_is_the_formula_and_updates_the_moving_statistics():
    rng = np.random.default_rng(2)
    layer = random_bn((2, 3, 3, 4), rng, momentum=0.9, epsilon=1e-5)
    x = rng.normal(1e3, 1.0, (2, 3, 3, 4))  # |μ| ≫ σ: a one-pass E[x²] − μ² would lose digits
    gamma, beta, mm, mv = layer.get_weights()
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))  # numpy's var is biased, ddof=0
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + 1e-5) + beta, rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_mean"], mm * 0.9 + mean * 0.1, rtol=1e-14)
    np.testing.assert_allclose(layer.state["moving_variance"], mv * 0.9 + var * 0.1, rtol=1e-12)


def test_inference_uses_the_moving_statistics_and_changes_nothing():
    rng = np.random.default_rng(3)
    layer = random_bn((5, 3), rng)
    before = layer.get_weights()
    x = rng.normal(size=(5, 3))
    y = layer.forward(x, training=False)
    gamma, beta, mm, mv = before
    np.testing.assert_allclose(y, gamma * (x - mm) / np.sqrt(mv + 1e-3) + beta, rtol=1e-13)
    for a, b in zip(layer.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_frozen_layer_uses_moving_statistics_even_when_training():
    rng = np.random.default_rng(4)
    layer = random_bn((5, 3), rng)
    x = rng.normal(size=(5, 3))
    inference = layer.forward(x, training=False)
    layer.trainable = False
    np.testing.assert_array_equal(layer.forward(x, training=True), inference)
    layer.trainable = True
    assert not np.allclose(layer.forward(x, training=True), inference)


def test_weights_come_in_keras_order_and_only_gamma_beta_are_params():
    layer = BatchNormalization()
    layer.build((7,))
    assert list(layer.weights) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert list(layer.params) == ["gamma", "beta"]
    gamma, beta, mm, mv = layer.get_weights()
    assert (gamma == 1).all() and (beta == 0).all() and (mm == 0).all() and (mv == 1).all()
    assert layer.count_params() == 28
    for center, scale, keys in [(False, True, ["gamma"]), (True, False, ["beta"]),
                                (False, False, [])]:
        layer = BatchNormalization(center=center, scale=scale)
        layer.build((7,))
        assert list(layer.weights) == [*keys, "moving_mean", "moving_variance"]


def test_float32_stays_float32():
    layer = BatchNormalization()
    y = layer.forward(np.ones((4, 2, 2, 3)), training=True)
    assert y.dtype == layer.backward(np.ones(y.shape)).dtype == np.float32
    assert all(w.dtype == np.float32 for w in layer.get_weights())


# -- in a model: trainable counts, the optimizer, save and load --------------------------------
def bn_model():
    model = tinynet.Sequential([tl.Input((4, 4, 2)), tl.Conv2D(3, 3), tl.BatchNormalization(),
                                tl.Activation("relu"), tl.Flatten(), tl.Dense(5),
                                tl.BatchNormalization(momentum=0.9), tl.Dense(2, "softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def summary_counts(model):
    lines = []
    model.summary(print_fn=lines.append)
    return {line.split(":")[0].strip(): int(line.split(":")[1].replace(",", ""))
            for line in lines if "params:" in line}


def test_summary_counts_moving_statistics_as_non_trainable():
    model = bn_model()
    # Keras, for this model: 57 + 12 + 65 + 20 + 12 = 166 in all, 2·3 + 2·5 = 16 non-trainable
    assert summary_counts(model) == {"Total params": 166, "Trainable params": 150,
                                     "Non-trainable params": 16}
    model.layers[1].trainable = False
    assert summary_counts(model) == {"Total params": 166, "Trainable params": 144,
                                     "Non-trainable params": 22}


def test_the_optimizer_never_sees_the_moving_statistics():
    model = bn_model()
    assert all(not key.endswith(("moving_mean", "moving_variance"))
               for key in model.parameters())
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(6, 4, 4, 2)), rng.integers(0, 2, 6)
    model.train_on_batch(x, y)
    assert not any(key.endswith("moving_mean") for key in model.optimizer.slots)
    assert (model.layers[1].state["moving_mean"] != 0).all()  # updated by forward


def test_save_and_load_keep_moving_statistics_and_the_frozen_flag(tmp_path):
    model = bn_model()
    model.layers[6].trainable = False
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(6, 4, 4, 2)), rng.integers(0, 2, 6)
    for _ in range(3):
        model.train_on_batch(x, y)
    model.save(tmp_path / "bn.npz")
    again = tinynet.models.load_model(tmp_path / "bn.npz")
    assert [layer.trainable for layer in again.layers] == [layer.trainable
                                                          for layer in model.layers]
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.train_on_batch(x, y) == model.train_on_batch(x, y)


# -- bad arguments --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, fragment", [
    ({"momentum": 1.5}, "momentum must be a number in \\[0, 1\\]"),
    ({"momentum": "high"}, "momentum must be a number"),
    ({"epsilon": 0}, "epsilon must be a number > 0"),
    ({"axis": 1.0}, "axis must be an int"),
])
def test_bad_constructor_arguments_are_refused(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        BatchNormalization(**kwargs)


@pytest.mark.parametrize("axis", [0, 3, -4])
def test_an_axis_that_is_not_a_feature_axis_is_refused(axis):
    with pytest.raises(ValueError, match=f"axis={axis} is not a feature axis .* Use -1"):
        BatchNormalization(axis=axis).build((4, 5))
