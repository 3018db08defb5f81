"""Losses: Keras parity (clipped and fused paths), names, and target checks.

The central-difference checks of every loss are in test_gradients.py (no TensorFlow needed).
"""

import numpy as np
import pytest
from cases import ALL_LOSSES as ALL
from cases import BCE, CCE, MSE, SCCE, predictions, targets
from cases import FUSED_LOSSES as FUSED

from tinynet import losses

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

KERAS = {MSE: "MeanSquaredError", BCE: "BinaryCrossentropy",
         CCE: "CategoricalCrossentropy", SCCE: "SparseCategoricalCrossentropy"}


def keras_value_and_grad(cls, y_true, y_pred, activation=None):
    """Keras's loss and its GradientTape gradient w.r.t. y_pred, or w.r.t. z = y_pred if an
    activation (softmax/sigmoid) is applied inside the tape, as a model's last layer does."""
    x = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = x if activation is None else getattr(keras.activations, activation)(x)
        value = getattr(keras.losses, KERAS[cls])()(y_true, out)
    return float(value), tape.gradient(value, x).numpy()


def assert_grad_close(ours, theirs):
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6 * np.abs(theirs).max())


# -- Keras parity, float32 ------------------------------------------------------------------
def extreme_probabilities(shape, rng):
    """float32 probabilities with entries at 0, 1, 1e-9 and 1 − 1e-9, where the clip bites."""
    p = rng.dirichlet(np.ones(shape[-1]) * 0.5, shape[:-1]).astype(np.float32)
    p[0] = 0
    p[0, 0] = 1
    p[1, 1] = 1e-9
    p[2, -1] = np.float32(1 - 1e-9)
    return p


@pytest.mark.parametrize("cls", ALL)
def test_unfused_value_and_gradient_match_keras(cls):
    rng = np.random.default_rng(1)
    shape = (6, 4)
    p = extreme_probabilities(shape, rng)
    t = targets(cls, shape, rng, np.float32)
    if cls is CCE:
        t = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 6)]
    keras_value, keras_grad = keras_value_and_grad(cls, t, p)
    loss = cls()
    assert loss(t, p) == pytest.approx(keras_value, rel=1e-6)
    assert_grad_close(loss.gradient(t, p), keras_grad)


@pytest.mark.parametrize("cls", [MSE, BCE])
def test_column_targets_are_expanded_as_keras_does(cls):
    rng = np.random.default_rng(2)
    t = (rng.random(5) > 0.5).astype(np.float32)  # (N,) against an (N, 1) output
    p = rng.uniform(0.1, 0.9, (5, 1)).astype(np.float32)
    keras_value, keras_grad = keras_value_and_grad(cls, t, p)
    assert cls()(t, p) == pytest.approx(keras_value, rel=1e-6)
    assert_grad_close(cls().gradient(t, p), keras_grad)


@pytest.mark.parametrize("label_shape", [(6,), (6, 1)])
def test_sparse_labels_of_either_shape_match_keras(label_shape):
    rng = np.random.default_rng(3)
    p = extreme_probabilities((6, 5), rng)
    labels = rng.integers(0, 5, label_shape)
    keras_value, keras_grad = keras_value_and_grad(SCCE, labels, p)
    assert SCCE()(labels, p) == pytest.approx(keras_value, rel=1e-6)
    assert_grad_close(SCCE().gradient(labels, p), keras_grad)


@pytest.mark.parametrize("cls", FUSED)
def test_fused_value_and_dz_match_keras(cls):
    rng = np.random.default_rng(4)
    z = (4 * rng.standard_normal((6, 5))).astype(np.float32)
    z[0, 0], z[1, 1] = 40, -40  # softmax/sigmoid saturate here: only the fused path is exact
    t = targets(cls, z.shape, rng, np.float32)
    keras_value, keras_dz = keras_value_and_grad(cls, t, z, activation=cls.fuses_with)
    value, dz = cls().from_logits(t, z)
    assert value == pytest.approx(keras_value, rel=1e-6)
    assert_grad_close(dz, keras_dz)


@pytest.mark.parametrize("cls", FUSED)
def test_keras_really_fuses(cls):
    # Sample 0's true class gets probability ~e^-120, far below the clip at 1e-7: from the
    # logits its loss is ~120; from clipped probabilities at most −log 1e-7 ≈ 16.1.
    z = np.array([[60.0, -60.0, 0.0], [0.0, 1.0, 2.0]], dtype=np.float32)
    t = {SCCE: np.array([1, 2]), CCE: np.eye(3, dtype=np.float32)[[1, 2]],
         BCE: np.array([[0, 1, 1], [1, 0, 1]], dtype=np.float32)}[cls]
    activation = getattr(keras.activations, cls.fuses_with)
    keras_loss = getattr(keras.losses, KERAS[cls])
    fused = float(keras_loss()(t, activation(tf.constant(z))))
    from_logits = float(keras_loss(from_logits=True)(t, z))
    clipped = float(keras_loss()(t, tf.constant(activation(z).numpy())))
    assert fused == pytest.approx(from_logits, rel=1e-6)
    assert fused > clipped + 5
    assert cls().from_logits(t, z)[0] == pytest.approx(fused, rel=1e-6)
    assert cls()(t, activation(z).numpy()) == pytest.approx(clipped, rel=1e-6)


@pytest.mark.parametrize("cls", FUSED)
def test_huge_logits_stay_finite(cls):
    # one sample; z = (1e4, −1e4, 0) with the true class at −1e4 (one-hot (0, 1, 0)):
    # softmax ≈ (1, 0, 0), so L = log Σe^z − z_t = 1e4 + 1e4 and dz = (1, −1, 0).
    # BCE with t = (0, 1, 0): L = mean(1e4, 1e4, log 2), dz = ((1, 0, ½) − t) / 3.
    z = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
    t = np.array([1]) if cls is SCCE else np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    value, dz = cls().from_logits(t, z)
    if cls is BCE:
        expected_value, expected_dz = (2e4 + np.log(2)) / 3, np.array([[1, -1, 0.5]]) / 3
    else:
        expected_value, expected_dz = 2e4, np.array([[1.0, -1.0, 0.0]])
    assert np.isfinite(value) and np.all(np.isfinite(dz))
    assert value == pytest.approx(expected_value, rel=1e-6)
    np.testing.assert_allclose(dz, expected_dz, atol=1e-7)
    keras_value, keras_dz = keras_value_and_grad(cls, t, z, activation=cls.fuses_with)
    assert value == pytest.approx(keras_value, rel=1e-6)
    assert_grad_close(dz, keras_dz)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", ALL)
def test_dtype_in_is_dtype_out(cls, dtype):
    rng = np.random.default_rng(5)
    t, p = targets(cls, (3, 4), rng, dtype), predictions(cls, (3, 4), rng, dtype)
    assert isinstance(cls()(t, p), float)
    assert cls().gradient(t, p).dtype == dtype
    if cls is not MSE:
        value, dz = cls().from_logits(t, p)
        assert isinstance(value, float) and dz.dtype == dtype


# -- names and lookup -----------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_names_match_keras_and_get_finds_every_alias(cls):
    keras_name = getattr(keras.losses, KERAS[cls])().name
    assert cls.name == keras_name
    for alias in (keras_name, KERAS[cls]):
        assert type(losses.get(alias)) is cls
    instance = cls()
    assert losses.get(instance) is instance
    assert type(losses.get("mse")) is MSE
    assert {MSE: None, BCE: "sigmoid", CCE: "softmax", SCCE: "softmax"}[cls] == cls.fuses_with


def test_mean_squared_error_has_no_fused_path():
    with pytest.raises(NotImplementedError, match="no fused path"):
        MSE().from_logits(np.zeros((2, 1)), np.zeros((2, 1)))


def test_get_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown loss function 'hinge'.*mean_squared_error"):
        losses.get("hinge")
