"""tinynet.gradcheck itself: it passes correct gradients and names each planted bug. NumPy only."""

import re

import numpy as np
import pytest

from tinynet import activations, losses
from tinynet.gradcheck import gradcheck, numerical_gradient, relative_error
from tinynet.layers import Dense, Dropout


class MyDense:
    """A learner's own layer, y = x·W + b, with one bug planted on request."""

    def __init__(self, n_in, n_out, bug=None, seed=1):
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.standard_normal((n_in, n_out)), "b": rng.standard_normal(n_out)}
        self.grads, self.bug = {}, bug

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        dW = {None: self.x.T @ dy, "transposed": (self.x.T @ dy).T,
              "averaged": self.x.T @ dy / len(dy), "sign": -(self.x.T @ dy),
              "missing": None}[self.bug]
        if dW is not None:
            self.grads["W"] = dW
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T


class LeakyAtZero:
    """ReLU whose backward lets the gradient through at z == 0 too (dy·[z ≥ 0])."""

    def forward(self, z):
        self.z = z
        return np.maximum(z, 0)

    def backward(self, dy):
        return dy * (self.z >= 0)


X = np.random.default_rng(0).standard_normal((4, 3))


def test_a_correct_custom_layer_passes_with_a_report_line_per_array():
    result = gradcheck(MyDense(3, 2), X)
    assert result.passed and set(result.errors) == {"x", "W", "b"}
    assert all(e < 1e-8 for e in result.errors.values())
    text = result.report()
    assert text.startswith("gradcheck of MyDense") and "passed" in text
    assert str(result) == text and "worst [" in text


@pytest.mark.parametrize("bug, n_out, fragment", [
    ("transposed", 3, "looks transposed: analytic matches numeric.T"),
    ("transposed", 2, r"looks transposed \(shape \(2, 3\), expected \(3, 2\)\)"),
    ("averaged", 2, r"off by a constant factor k = 0.25 = 1/N \(N = 4"),
    ("sign", 2, "sign flipped"),
    ("missing", 2, r"set grads\['W'\]"),
])
def test_each_planted_bug_fails_on_its_own_array_with_its_hint(bug, n_out, fragment):
    result = gradcheck(MyDense(3, n_out, bug), X)
    assert not result.passed
    assert result.checks["x"].passed and result.checks["b"].passed
    check = result.checks["W"]
    assert not check.passed and check.hint
    assert re.search(fragment, check.hint), check.hint
    assert "FAILED" in result.report()


def test_a_wrong_derivative_only_at_the_kink_is_named_as_such():
    z = np.random.default_rng(2).standard_normal((3, 4))
    z[0, 1] = z[2, 3] = 0.0
    result = gradcheck(LeakyAtZero(), z)
    assert not result.passed
    assert result.checks["x"].hint.startswith("correct except where z == 0: the 2 differing")
    z[0, 1] = z[2, 3] = 0.5  # off the kink, the same code passes
    assert gradcheck(LeakyAtZero(), z).passed


def test_a_float32_tinynet_layer_is_checked_on_a_float64_copy_and_left_unchanged():
    layer = Dense(3, activation="tanh")
    layer.forward(X.astype(np.float32))
    layer.params["bias"][:] = [0.3, -0.2, 0.1]
    before = [w.copy() for w in layer.get_weights()]
    result = gradcheck(layer, X)
    assert result.passed, result
    assert layer.dtype == np.float32 and layer.params["kernel"].dtype == np.float32
    for w, old in zip(layer.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, old)


def test_a_random_forward_is_reported_in_a_note():
    result = gradcheck(Dropout(0.5), X)
    assert not result.passed and "different outputs for the same input" in result.report()


def test_losses_activations_and_functions():
    rng = np.random.default_rng(3)
    p, labels = rng.uniform(0.1, 0.9, (4, 3)), rng.integers(0, 3, 4)
    scce = losses.SparseCategoricalCrossentropy()
    assert gradcheck(scce, p, y_true=labels).passed
    assert gradcheck(lambda z: scce.from_logits(labels, z), p).passed
    assert gradcheck(activations.Tanh(), p).passed
    assert gradcheck(np.sin, p, backward=lambda dy: dy * np.cos(p)).passed
    wrong = gradcheck(np.sin, p, backward=lambda dy: -dy * np.cos(p))
    assert not wrong.passed and wrong.checks["x"].hint.startswith("sign flipped")


def test_misuse_fails_with_a_message_that_names_the_fix():
    with pytest.raises(ValueError, match=r"y_true=t"):
        gradcheck(losses.MeanSquaredError(), X)
    with pytest.raises(ValueError, match=r"backward=lambda dy: dx"):
        gradcheck(np.sin, X)
    with pytest.raises(TypeError, match="a layer, a loss or a function"):
        gradcheck(3, X)


def test_the_helpers_the_old_tests_import():
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.sum(x**3)), x), 3 * x**2,
                               rtol=1e-8)
    assert relative_error(np.ones(3), np.ones(3)) == 0
    assert relative_error(np.ones(3), np.ones(2)) == float("inf")
