"""Weight regularizers without TensorFlow: the penalties and their gradients, names, and how a
model adds them to its loss and gradients (trainable layers only)."""

import numpy as np
import pytest
from gradcheck import numerical_gradient, relative_error

import tinynet
from tinynet import layers as tl
from tinynet import regularizers
from tinynet.regularizers import L1, L1L2, L2


def f32(v):
    return float(np.float32(v))  # Keras casts each factor through float32


@pytest.mark.parametrize("reg, expected", [
    (L1(0.3), lambda w: f32(0.3) * np.abs(w).sum()),
    (L2(0.3), lambda w: f32(0.3) * (w * w).sum()),
    (L1L2(0.1, 0.7), lambda w: f32(0.1) * np.abs(w).sum() + f32(0.7) * (w * w).sum()),
    (L1L2(), lambda w: 0.0),
])
def test_penalty_and_its_gradient(reg, expected):
    w = np.random.default_rng(0).normal(size=(4, 3))
    assert reg(w) == pytest.approx(expected(w), rel=1e-15, abs=0)
    numeric = numerical_gradient(lambda: float(reg(w)), w)
    assert relative_error(reg.gradient(w), numeric) < 1e-8 or not numeric.any()


def test_l1_gradient_at_zero_is_zero_as_tf():
    np.testing.assert_array_equal(L1(0.5).gradient(np.array([-2.0, 0.0, 3.0])), [-0.5, 0, 0.5])


def test_the_factor_passes_through_float32_even_for_float64_weights():
    w = np.ones(1)
    assert L2(0.1)(w) == f32(0.1) != 0.1


@pytest.mark.parametrize("name, cls, config", [
    ("l1", L1, {"l1": 0.01}), ("l2", L2, {"l2": 0.01}), ("l1l2", L1L2, {"l1": 0.0, "l2": 0.0}),
    ("L2", L2, {"l2": 0.01}), ("L1L2", L1L2, {"l1": 0.0, "l2": 0.0}),
])
def test_names_give_keras_defaults(name, cls, config):
    reg = regularizers.get(name)
    assert type(reg) is cls and reg.get_config() == config
    assert regularizers.get(regularizers.serialize(reg)).get_config() == config


@pytest.mark.parametrize("bad, fragment", [
    ("l1_l2", "Unknown regularizer 'l1_l2'. Valid regularizers: l1, l1l2, l2"),
    ("weight_decay", "Unknown regularizer"),
    ({"class_name": "OrthogonalRegularizer", "config": {}}, "Valid classes: L1, L2, L1L2"),
])
def test_unknown_regularizers_are_refused(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        regularizers.get(bad)


@pytest.mark.parametrize("make", [lambda: L2(-1.0), lambda: L1("a"), lambda: L1L2(np.inf)])
def test_bad_factors_are_refused(make):
    with pytest.raises(ValueError, match="must be a finite number >= 0"):
        make()


# -- in a model ---------------------------------------------------------------------------------
def model(kernel_regularizer=None, bias_regularizer=None, use_bias=True):
    tinynet.utils.clear_session()
    tinynet.utils.set_random_seed(0)
    m = tinynet.Sequential([tl.Input((5, 5, 1)),
                            tl.Conv2D(2, 3, kernel_regularizer=kernel_regularizer,
                                      bias_regularizer=bias_regularizer, dtype="float64"),
                            tl.Flatten(dtype="float64"),
                            tl.Dense(3, "softmax", use_bias=use_bias, dtype="float64",
                                     kernel_regularizer=kernel_regularizer,
                                     bias_regularizer=bias_regularizer)])
    rng = np.random.default_rng(1)
    m.set_weights([rng.normal(0, 0.5, w.shape) for w in m.get_weights()])
    m.compile("sgd", "sparse_categorical_crossentropy")
    return m


def data():
    rng = np.random.default_rng(2)
    return rng.normal(size=(4, 5, 5, 1)), np.array([0, 1, 2, 1])


def test_the_penalty_joins_the_loss_and_its_gradient_joins_grads():
    x, y = data()
    plain, reg = model(), model(L2(0.05), L1(0.02))
    before = {layer.name: layer.get_weights() for layer in plain.layers}
    expected = plain.test_on_batch(x, y) + sum(
        f32(0.05) * (w * w).sum() if w.ndim > 1 else f32(0.02) * np.abs(w).sum()
        for w in plain.get_weights())
    assert reg.test_on_batch(x, y) == pytest.approx(expected, rel=1e-14)
    assert reg.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-14)
    plain.train_on_batch(x, y)
    assert reg.train_on_batch(x, y) == pytest.approx(expected, rel=1e-14)  # before the step
    for p_layer, r_layer in zip(plain.layers, reg.layers, strict=True):
        for (key, g), w in zip(r_layer.grads.items(), before[p_layer.name], strict=True):
            penalty = 2 * f32(0.05) * w if key == "kernel" else f32(0.02) * np.sign(w)
            np.testing.assert_allclose(g, p_layer.grads[key] + penalty, rtol=1e-13)


def test_model_gradients_with_a_penalty_match_central_differences():
    x, y = data()
    m = model(L1L2(0.03, 0.04), L2(0.1))

    def loss():  # no BN or dropout here, so inference mode computes the training loss
        return m.test_on_batch(x, y)

    m._loss_and_backward(y, m._forward(x, training=True))
    for layer in m.layers:
        for key, w in layer.params.items():
            analytic = layer.grads[key].copy()
            assert relative_error(analytic, numerical_gradient(loss, w)) < 1e-7, key


def test_a_bias_regularizer_without_a_bias_is_ignored_as_in_keras():
    x, y = data()
    m = model(bias_regularizer=L2(0.5), use_bias=False)  # the Dense has no bias, the Conv2D has
    assert "bias" in m.layers[2].regularizers and "bias" not in m.layers[2].params
    conv_bias = m.layers[0].params["bias"]
    expected = model(use_bias=False).test_on_batch(x, y) + f32(0.5) * (conv_bias**2).sum()
    assert m.test_on_batch(x, y) == pytest.approx(expected, rel=1e-14)


def test_a_frozen_layer_is_not_penalized():
    x, y = data()
    reg, plain = model(L2(0.5)), model()
    for m in (reg, plain):
        m.layers[0].trainable = False
    conv_free = plain.test_on_batch(x, y) + f32(0.5) * (reg.layers[2].params["kernel"] ** 2).sum()
    assert reg.test_on_batch(x, y) == pytest.approx(conv_free, rel=1e-14)


def test_config_and_save_load_keep_the_regularizers(tmp_path):
    x, y = data()
    m = model(L1L2(0.01, 0.02), "l2")
    assert m.layers[0].get_config()["kernel_regularizer"] == {
        "class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}}
    assert "kernel_regularizer" not in tl.Dense(2).get_config()  # unchanged configs without
    m.save(tmp_path / "m.npz")
    again = tinynet.models.load_model(tmp_path / "m.npz")
    assert again.layers[2].get_config() == m.layers[2].get_config()
    assert again.train_on_batch(x, y) == m.train_on_batch(x, y)
