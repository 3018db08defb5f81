"""How ``tinynet seeds`` judges one fitted XOR net: learned, dead unit, collapsed, not converged.

NumPy only, on hand-made weights; the command itself is tested in ``test_seeds.py``.
"""

import numpy as np
import pytest

from tinynet.tools.harness import seeds
from tinynet.tools.listings import xor

XOR = [0, 1, 1, 0]
OR = [0, 1, 1, 1]


def net(w1, b1, w2=((1.0,), (-2.0,)), b2=(0.0,)):
    return [np.array(w1, dtype=float), np.array(b1, dtype=float), np.array(w2, dtype=float),
            np.array(b2, dtype=float)]


def outputs(weights):
    w1, b1, w2, b2 = weights
    return (np.maximum(seeds.POINTS @ w1 + b1, 0) @ w2 + b2).ravel()


def test_the_exact_solution_learns():
    # h1 = relu(x1 + x2), h2 = relu(x1 + x2 − 1), out = h1 − 2·h2
    weights = net([[1, 1], [1, 1]], [0, -1])
    np.testing.assert_allclose(outputs(weights), XOR)
    assert seeds.learned(outputs(weights), XOR)


def test_rounding_decides_learned():
    assert seeds.learned([0.49, 0.51, 0.6, 0.1], XOR)
    assert not seeds.learned([0.502, 0.475, 0.502, 0.383], XOR)  # the book's seed-0 kind


def test_a_unit_negative_on_all_four_inputs_is_dead():
    weights = net([[1, -0.5], [1, -0.7]], [0, -0.1])  # h2: −0.1, −0.8, −0.6, −1.3
    code, reason = seeds.diagnose(weights, XOR, 1000)
    assert code == "dead h2" and "one unit cannot separate" in reason


def test_both_units_dead():
    weights = net([[-1, -1], [-1, -1]], [-0.1, -0.2])
    assert seeds.diagnose(weights, XOR, 1000)[0] == "both dead"


def test_two_units_on_one_line_have_collapsed():
    # the same line, scaled: the hidden layer is one feature
    weights = net([[1, 2], [-1, -2]], [0.5, 1.0], w2=((0.3,), (0.2,)))
    assert seeds.diagnose(weights, XOR, 1000)[0] == "collapsed"


def test_opposite_normals_on_one_line_are_not_collapsed():
    # relu(x1 − x2) and relu(x2 − x1) share a line but are two features: the other XOR solution
    weights = net([[1, -1], [-1, 1]], [0, 0], w2=((1.0,), (1.0,)))
    np.testing.assert_allclose(outputs(weights), XOR)
    assert seeds.learned(outputs(weights), XOR)


def test_alive_distinct_units_that_miss_have_not_converged():
    weights = net([[0.3, 0.1], [0.1, 0.4]], [0.1, 0.2], w2=((0.2,), (0.1,)))
    code, reason = seeds.diagnose(weights, XOR, 50)
    assert code == "not converged" and reason == "not converged after 50 epochs"


def test_a_dead_unit_does_not_explain_a_failed_or_gate():
    # one unit can fit OR (1 − relu(1 − x1 − x2)), so the dead unit is named, not blamed
    weights = net([[1, -1], [1, -1]], [0, -0.1], w2=((0.1,), (0.0,)))
    code, reason = seeds.diagnose(weights, OR, 1000)
    assert code == "not converged" and "h2 dead; one unit can fit this gate" in reason


def test_functions_are_the_listings_tables():
    assert seeds.functions("xor") == {"XOR": [int(v) for v in xor.y.ravel()]}
    assert list(seeds.functions("logic_gates")) == ["OR", "AND", "NOR", "XNOR"]
    assert seeds.functions("mnist_mlp") is None


@pytest.mark.parametrize("wanted", [True, False])
def test_panels_pick_a_seed_that_learns_and_one_that_fails(wanted):
    good = {"learned": True, "code": "learned", "predictions": [0, 1, 1, 0],
            "weights": net([[1, 1], [1, 1]], [0, -1])}
    bad = {"learned": False, "code": "dead h2", "predictions": [0.5] * 4,
           "weights": net([[1, 1], [-1, -1]], [0, -1])}
    rows = [{"seed": 0, "tinynet": {"XOR": bad}, "keras": None},
            {"seed": 1, "tinynet": {"XOR": good if wanted else bad}, "keras": None}]
    report = {"functions": {"XOR": XOR}, "seeds": 2, "rows": rows}
    panels = seeds.panels(report)
    assert [p[1] for p in panels] == ([1, 0] if wanted else [None, 0])
    assert panels[1][2] == "dead h2"
