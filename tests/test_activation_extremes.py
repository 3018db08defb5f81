"""Each activation's forward pass at extreme inputs, through ``predict`` (not the fused loss):
finite, equal to a float64 reference, and without a single overflow (NumPy only)."""

import math
import warnings

import numpy as np
import pytest

import tinynet
from tinynet import activations
from tinynet import layers as L

# Logits a badly scaled model really produces; ±88.7 is where float32's exp overflows.
Z = np.array([-1e4, -1000.0, -88.8, -30.0, -1.0, 0.0, 1.0, 30.0, 88.8, 1000.0, 1e4])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(z):
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# Float64 references written independently of tinynet, one scalar at a time (softmax: a row).
REFERENCE = {
    "linear": lambda z: z,
    "relu": lambda z: max(z, 0.0),
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "leaky_relu": lambda z: z if z > 0 else 0.2 * z,
    "elu": lambda z: z if z > 0 else math.expm1(z),
    "selu": lambda z: SELU_SCALE * (z if z > 0 else SELU_ALPHA * math.expm1(z)),
    "gelu": lambda z: z * 0.5 * (1 + math.erf(z / math.sqrt(2))),
    "softplus": lambda z: max(z, 0.0) + math.log1p(math.exp(-abs(z))),
    "silu": lambda z: z * _sigmoid(z),
    "swish": lambda z: z * _sigmoid(z),
    "hard_sigmoid": lambda z: min(max(z + 3, 0.0), 6.0) / 6,
}


def softmax_reference(row):
    e = [math.exp(v - max(row)) for v in row]
    return [v / sum(e) for v in e]


def expected(name, z):
    if name == "softmax":
        return np.array([softmax_reference(list(r)) for r in z])
    return np.vectorize(REFERENCE[name])(z)


def head_model(name, logits, as_layer):
    """x = [1] → Dense(no bias) whose kernel is ``logits`` → the activation: z equals logits."""
    k = len(logits)
    stack = ([L.Dense(k, input_dim=1, use_bias=False), L.Activation(name)] if as_layer
             else [L.Dense(k, input_dim=1, use_bias=False, activation=name)])
    model = tinynet.Sequential(stack)
    model.compile(optimizer="sgd", loss="categorical_crossentropy"
                  if name == "softmax" else "mse")  # softmax + CCE: the fused pair
    model.set_weights([np.asarray(logits, dtype="f4")[None, :]])
    return model


def predict_strictly(model, x):
    """``predict`` with every overflow, 0/0 and warning turned into an error."""
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.predict(x, verbose=0)


def test_every_activation_has_a_reference():
    assert set(activations.ACTIVATIONS) <= set(REFERENCE) | {"softmax"}


@pytest.mark.parametrize("as_layer", [False, True], ids=["in_dense", "activation_layer"])
@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_forward_at_extreme_inputs_through_predict(name, as_layer):
    logits = Z if name != "softmax" else np.array([1e4, 0.0, -1e4, 88.8, -88.8])
    y = predict_strictly(head_model(name, logits, as_layer), np.ones((2, 1), "f4"))
    assert np.isfinite(y).all(), f"{name} gave {y[0]}"
    z32 = np.asarray(logits, "f4").astype("f8")  # what float32 weights really hold
    np.testing.assert_allclose(y, expected(name, np.tile(z32, (2, 1))), rtol=2e-6, atol=1e-30)


@pytest.mark.parametrize("shift", [-1e4, 0.0, 1e4])
def test_softmax_rows_sum_to_one_however_large_the_logits(shift):
    logits = shift + np.array([3.0, 1.0, -2.0, 0.5])
    y = predict_strictly(head_model("softmax", logits, False), np.ones((3, 1), "f4"))
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[0], softmax_reference(list(np.float32(logits).astype("f8"))),
                               rtol=1e-5)


def test_float64_layers_are_exact_at_the_extremes_too():
    model = tinynet.Sequential([L.Dense(len(Z), input_dim=1, use_bias=False,
                                        activation="sigmoid", dtype="float64")])
    model.set_weights([Z[None, :]])
    y = predict_strictly(model, np.ones((1, 1)))
    np.testing.assert_allclose(y[0], expected("sigmoid", Z), rtol=1e-15, atol=1e-300)
