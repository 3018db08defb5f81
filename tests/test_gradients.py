"""Every layer and loss against central differences in float64, with tinynet.gradcheck. NumPy only.

The Keras parity of the same layers lives in test_conv.py, test_pooling.py, test_simple_layers.py
and test_losses.py (marked ``keras``); these checks need no TensorFlow.
"""

import numpy as np
import pytest
from cases import (
    ALL_LOSSES,
    BCE,
    FUSED_LOSSES,
    SCCE,
    conv_cases,
    dense_cases,
    loss_shapes,
    pool_cases,
    predictions,
    targets,
)
from hypothesis import given
from hypothesis import strategies as st

from tinynet import activations, losses
from tinynet.gradcheck import gradcheck
from tinynet.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from tinynet.layers.base import ActivatedLayer
from tinynet.models import Sequential

LAYER_ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"]


def assert_passes(target, x, **kwargs):
    result = gradcheck(target, x, **kwargs)
    assert result.passed, f"\n{result}"
    return result


def random_bias(layer, rng):
    """A nonzero bias moves the activation off its value at 0 (and tests db at all)."""
    if getattr(layer, "use_bias", False):
        layer.params["bias"][:] = rng.uniform(-0.5, 0.5, layer.params["bias"].shape)


# -- weighted layers --------------------------------------------------------------------------
@given(dense_cases())
def test_dense(case):
    kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    layer = Dense(dtype="float64", **kwargs)
    x = rng.uniform(-1, 1, shape)
    layer.forward(x)
    random_bias(layer, rng)
    result = assert_passes(layer, x, seed=seed)
    assert set(result.checks) == {"x", "kernel"} | ({"bias"} if layer.use_bias else set())


@given(conv_cases())
def test_conv2d(case):
    kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    layer = Conv2D(dtype="float64", **kwargs)
    x = rng.uniform(-1, 1, shape)
    layer.forward(x)
    random_bias(layer, rng)
    assert_passes(layer, x, seed=seed)


# -- weightless layers ------------------------------------------------------------------------
@given(pool_cases())
def test_max_pooling2d_without_ties(case):
    kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod(shape)).reshape(shape) / 8  # distinct, 1/8 ≫ ε apart
    assert_passes(MaxPooling2D(dtype="float64", **kwargs), x - x.mean(), seed=seed)


@given(n=st.integers(1, 3), sample=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_flatten(n, sample):
    x = np.random.default_rng(0).standard_normal((n, *sample))
    assert_passes(Flatten(dtype="float64"), x)


@pytest.mark.parametrize("name", LAYER_ACTIVATIONS)
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 5)))
def test_activation(name, shape):
    x = np.random.default_rng(3).standard_normal(shape)
    assert_passes(Activation(name, dtype="float64"), x)


@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 5)), seed=st.integers(0, 2**16))
def test_dropout_with_a_fixed_mask(shape, seed):
    layer = Dropout(0.4, dtype="float64")
    layer.fixed_mask = np.random.default_rng(seed).random(shape) >= 0.4
    assert_passes(layer, np.random.default_rng(seed + 1).standard_normal(shape))


def test_dropout_at_rate_zero():
    assert_passes(Dropout(0.0, dtype="float64"), np.random.default_rng(6).standard_normal((3, 4)))


# -- losses -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_LOSSES)
@given(shape=loss_shapes, seed=st.integers(0, 2**16))
def test_loss_gradient(cls, shape, seed):
    rng = np.random.default_rng(seed)
    t, p = targets(cls, shape, rng), predictions(cls, shape, rng)
    assert_passes(cls(), p, y_true=t)


@pytest.mark.parametrize("cls", FUSED_LOSSES)
@given(shape=loss_shapes, seed=st.integers(0, 2**16))
def test_fused_loss_gradient_at_the_logits(cls, shape, seed):
    rng = np.random.default_rng(seed)
    t, z = targets(cls, shape, rng), 1.5 * rng.standard_normal(shape)
    loss = cls()
    assert_passes(lambda z_: loss.from_logits(t, z_), z)
    # the fused value is the unfused loss of the activation's output, where no clip bites
    activation = activations.get(loss.fuses_with)
    assert loss.from_logits(t, z)[0] == pytest.approx(loss(t, activation.forward(z)), rel=1e-9)


@pytest.mark.parametrize("cls", [BCE, SCCE])
def test_clipped_entries_get_zero_gradient(cls):
    # p = 1e-9 and 1 − 1e-10 lie outside [1e-7, 1 − 1e-7]: moving them within that region
    # leaves the loss unchanged, so their gradient is 0 (SCCE renormalizes only after the clip).
    p = np.array([[0.3, 1e-9, 0.4], [1 - 1e-10, 0.2, 0.5]])
    t = np.array([1, 0]) if cls is SCCE else np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    loss, moved = cls(), p.copy()
    moved[0, 1], moved[1, 0] = 5e-9, 1 - 5e-10
    assert loss(t, moved) == loss(t, p)
    g = loss.gradient(t, p)
    assert g[0, 1] == 0 and g[1, 0] == 0 and np.all(g[:, 2] != 0)


# -- the Layer contract: a layer y = f(z) written by a learner ------------------------------------
class Scale(ActivatedLayer):
    """y = f(x ⊙ w + b): gets ``backward`` from ActivatedLayer, defines only the affine part."""

    def __init__(self, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def build(self, input_shape):
        rng = np.random.default_rng(0)
        self.params = {"w": rng.uniform(0.5, 1.5, input_shape).astype(self.dtype),
                       "b": rng.uniform(-0.5, 0.5, input_shape).astype(self.dtype)}
        super().build(input_shape)

    # z = x ⊙ w + b
    def forward(self, x, training=False):
        self.x = self._prepare(x)
        return self.activate(self.x * self.params["w"] + self.params["b"])

    # dw = Σ_batch x ⊙ dz     db = Σ_batch dz     dx = dz ⊙ w
    def backward_linear(self, dz):
        self.grads = {"w": (self.x * dz).sum(axis=0), "b": dz.sum(axis=0)}
        return dz * self.params["w"] if self.compute_dx else None


@pytest.mark.parametrize("name", LAYER_ACTIVATIONS)
def test_a_custom_activated_layer_gets_a_correct_backward(name):
    x = np.random.default_rng(1).standard_normal((3, 4))
    assert_passes(Scale(name, dtype="float64"), x)


def test_a_custom_activated_layer_can_head_a_model_with_a_fused_loss():
    model = Sequential([Dense(4, activation="tanh", input_shape=(3,), dtype="float64"),
                        Scale("softmax", dtype="float64")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((5, 3)), rng.integers(0, 4, 5)
    head = model.layers[-1]

    def unused(dy, y):
        raise AssertionError("the fused path starts below the softmax")

    head.activation.backward = unused
    model.train_on_batch(x, labels)
    _, dz = losses.SparseCategoricalCrossentropy().from_logits(labels, head.z)
    np.testing.assert_allclose(head.grads["b"], dz.sum(axis=0), rtol=1e-12)


def test_a_layer_without_logits_says_so_when_asked_for_backward_linear():
    with pytest.raises(NotImplementedError, match="flatten: Flatten keeps no logits z"):
        Flatten().backward_linear(np.zeros((1, 2)))
