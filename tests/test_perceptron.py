"""Perceptron: the gates it learns, the two it cannot, and linearly separable data in general."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinynet.perceptron import Perceptron

INPUTS = np.array(list(itertools.product([0, 1], repeat=2)))  # (0,0) (0,1) (1,0) (1,1)
GATES = {
    "AND": lambda a, b: a and b,
    "OR": lambda a, b: a or b,
    "NAND": lambda a, b: not (a and b),
    "NOR": lambda a, b: not (a or b),
    "XOR": lambda a, b: a != b,
    "XNOR": lambda a, b: a == b,
}


def truth_table(gate):
    return np.array([int(GATES[gate](bool(a), bool(b))) for a, b in INPUTS])


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_learns_the_separable_gates(gate):
    p = Perceptron()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converging must not warn
        errors = p.fit(INPUTS, truth_table(gate))
    assert p.converged_ and errors[-1] == 0 and min(errors[:-1], default=1) > 0
    assert p.n_epochs_ == len(errors) < 100
    predictions = p.predict(INPUTS)
    assert predictions.dtype.kind == "i"
    np.testing.assert_array_equal(predictions, truth_table(gate))


@pytest.mark.parametrize("gate", ["XOR", "XNOR"])
def test_cannot_learn_xor_and_says_why(gate):
    p = Perceptron(max_epochs=30)
    with pytest.warns(UserWarning, match="not look linearly separable.*hidden layer"):
        errors = p.fit(INPUTS, truth_table(gate))
    assert not p.converged_
    assert p.n_epochs_ == len(errors) == 30
    assert min(errors) > 0  # no line separates XOR, so no epoch is free of mistakes
    assert (p.predict(INPUTS) != truth_table(gate)).any()


def test_and_follows_the_hand_traced_run():
    # Traced on paper with w = 0, b = 0, η = 1 and f(0) = 0, in the order (0,0) (0,1) (1,0) (1,1):
    # epoch 1 misses (1,1); epochs 2-5 miss 3, 3, 2, 1 samples; epoch 6 is clean.
    p = Perceptron()
    assert p.fit(INPUTS, truth_table("AND")) == [1, 3, 3, 2, 1, 0]
    np.testing.assert_array_equal(p.coef_, [2.0, 1.0])
    assert p.intercept_ == -2.0


def test_deterministic_and_refit_starts_from_zero():
    x, y = INPUTS, truth_table("NAND")
    first, second = Perceptron(), Perceptron()
    errors = first.fit(x, y)
    assert second.fit(x, y) == errors
    assert first.fit(x, y) == errors  # a second fit restarts from zero weights
    np.testing.assert_array_equal(first.coef_, second.coef_)
    assert first.intercept_ == second.intercept_


def test_learning_rate_only_scales_the_weights_from_zero():
    x, y = INPUTS, truth_table("OR")
    unit, half = Perceptron(learning_rate=1.0), Perceptron(learning_rate=0.5)
    assert unit.fit(x, y) == half.fit(x, y)
    np.testing.assert_array_equal(half.coef_ * 2, unit.coef_)
    assert half.intercept_ * 2 == unit.intercept_


@given(
    angle=st.floats(0, 2 * np.pi),
    offset=st.floats(-1, 1),
    points=st.lists(st.tuples(st.integers(-8, 8), st.integers(-8, 8)),
                    min_size=1, max_size=40, unique=True),
)
def test_separable_data_is_learned_within_novikoffs_bound(angle, offset, points):
    # Points on a grid of step 1/4 keep every w·x exact in float32, so the sign fit saw
    # is the sign predict sees. Labels come from a random line, keeping a margin of 0.2.
    x = np.array(points, dtype=float) / 4
    score = x @ [np.cos(angle), np.sin(angle)] + offset
    keep = np.abs(score) >= 0.2
    assume(keep.any())
    x, y = x[keep], (score[keep] > 0).astype(int)

    p = Perceptron(max_epochs=1000)
    errors = p.fit(x, y)
    assert p.converged_
    np.testing.assert_array_equal(p.predict(x), y)
    # Novikoff (1962): mistakes ≤ (R/γ)², with x̃ = (x, 1), R = max‖x̃‖ and γ the margin of
    # the unit-norm separator (cos, sin, offset)/‖·‖ on the x̃.
    x1 = np.column_stack([x, np.ones(len(x))])
    separator = np.array([np.cos(angle), np.sin(angle), offset])
    separator /= np.linalg.norm(separator)
    gamma = np.min((2 * y - 1) * (x1 @ separator))
    radius2 = np.max(np.sum(x1 * x1, axis=1))
    assert sum(errors) <= radius2 / gamma**2 + 1e-9


@pytest.mark.parametrize("x, y, fragment", [
    (INPUTS, [0, 1, 1], "x has 4 samples but y has 3"),
    (INPUTS, [0, 1, 2, 1], "y must be a 1-D array of 0/1 labels"),
    (INPUTS, [-1, 1, 1, 1], "Map the classes to 0 and 1"),
    (INPUTS, [[0, 1], [1, 0], [0, 1], [1, 0]], "y must be a 1-D array"),
    (np.zeros((0, 2)), [], "x must be a non-empty 2-D array"),
    ([0, 1, 1, 0], [0, 1, 1, 0], "got shape (4,)"),
    ([[0.0, np.nan]], [1], "NaN"),
])
def test_fit_rejects_bad_data(x, y, fragment):
    with pytest.raises(ValueError) as info:
        Perceptron().fit(x, y)
    assert fragment in str(info.value)


def test_labels_as_a_column_are_accepted():
    p = Perceptron()
    p.fit(INPUTS, truth_table("OR")[:, None])
    np.testing.assert_array_equal(p.predict(INPUTS), truth_table("OR"))


def test_predict_rejects_untrained_and_mismatched_input():
    with pytest.raises(ValueError, match="not trained. Call fit first"):
        Perceptron().predict(INPUTS)
    p = Perceptron()
    p.fit(INPUTS, truth_table("AND"))
    with pytest.raises(ValueError, match="x has 3 features, but the perceptron was trained on 2"):
        p.predict(np.ones((2, 3)))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"learning_rate": 0}, "learning_rate must be a positive number"),
    ({"learning_rate": -1.0}, "learning_rate must be a positive number"),
    ({"learning_rate": "big"}, "got 'big'"),
    ({"learning_rate": True}, "got True"),
    ({"max_epochs": 0}, "max_epochs must be a positive int"),
    ({"max_epochs": 2.5}, "max_epochs must be a positive int"),
])
def test_bad_constructor_arguments(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        Perceptron(**kwargs)
    assert fragment in str(info.value) and "Pass e.g." in str(info.value)
