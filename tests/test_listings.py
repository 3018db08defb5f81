"""The tinynet twins mirror their Keras scripts: same structure, same keys, same numbers."""

import ast
import inspect
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from tinynet.tools import listings
from tinynet.tools.listings import (
    LISTINGS,
    REFERENCE,
    ListingUnavailableError,
    linear_regression,
    logic_gates,
    mnist_cnn,
    mnist_digit,
    mnist_mlp,
    xor,
)

POINTS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def returned_keys(path):
    """The keys of the dict literal that ``run()`` returns in the script at ``path``."""
    tree = ast.parse(Path(path).read_text())
    run = next(node for node in tree.body if isinstance(node, ast.FunctionDef)
               and node.name == "run")
    returns = [node.value for node in ast.walk(run)
               if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict)]
    assert len(returns) == 1, f"{path}: expected one `return {{...}}` in run()"
    return {key.value for key in returns[0].keys}


def top_level(path):
    """Names of the module-level functions and of the assigned constants, in source order."""
    names = []
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names.extend(ast.unparse(target) for target in node.targets)
    return names


def imported(path):
    """The top-level packages a script imports."""
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0])
    return names


def is_png(path):
    return Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


# -- the registry -------------------------------------------------------------------------------
def test_registry_pairs_every_twin_with_a_reference_script():
    twins = sorted(p.stem for p in Path(listings.__file__).parent.glob("*.py")
                   if p.stem not in ("__init__", "errors", "plots", "table"))
    assert sorted(LISTINGS) == twins
    assert sorted(listing.script for listing in LISTINGS.values()) == sorted(
        p.name for p in REFERENCE.glob("*.py"))
    for name, listing in LISTINGS.items():
        assert listing.twin.__name__ == f"tinynet.tools.listings.{name}"
        assert listing.book and listing.keys


@pytest.mark.parametrize("name", list(LISTINGS))
def test_twin_reads_like_its_reference(name):
    # Same functions and constants in the same order, and the same run() signature.
    twin = Path(LISTINGS[name].twin.__file__)
    reference = REFERENCE / LISTINGS[name].script
    assert top_level(twin) == top_level(reference)
    assert returned_keys(twin) == returned_keys(reference)
    tree = ast.parse(reference.read_text())
    run = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run")
    expected = [(a.arg, ast.literal_eval(d)) for a, d in zip(run.args.args, run.args.defaults,
                                                               strict=True)]
    params = inspect.signature(LISTINGS[name].twin.run).parameters.values()
    assert [(p.name, p.default) for p in params] == expected
    assert imported(twin) <= {"argparse", "time", "pathlib", "numpy", "tinynet"}


def test_missing_reference_folder_says_a_source_checkout_is_needed(monkeypatch, tmp_path):
    monkeypatch.setattr(listings, "REFERENCE", tmp_path / "reference")
    with pytest.raises(ListingUnavailableError, match="source checkout"):
        listings.load_reference("xor.py")


def test_missing_keras_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` now fails
    with pytest.raises(ListingUnavailableError) as info:
        listings.run("xor", "keras", epochs=1)
    assert "uv sync" in str(info.value) and "pip install 'tinynet[keras]'" in str(info.value)


def test_missing_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ListingUnavailableError, match=r"pip install 'tinynet\[plot\]'"):
        mnist_digit.run(out=tmp_path)


# -- every twin runs and returns the agreed keys ------------------------------------------------
def check_keys(name, result):
    assert set(result) == returned_keys(REFERENCE / LISTINGS[name].script)
    assert result["listing"] == name
    assert result["framework"] == "tinynet"


def test_linear_regression_recovers_the_line(capsys):
    result = linear_regression.run(verbose=1)
    check_keys("linear_regression", result)
    (x_train, y_train), _ = linear_regression.make_data(seed=0)
    slope, intercept = np.polyfit(x_train.astype(np.float64), y_train.astype(np.float64), 1)
    assert result["m"] == pytest.approx(slope, abs=1e-3)  # the least-squares line ...
    assert result["b"] == pytest.approx(intercept, abs=1e-3)
    assert result["m"] == pytest.approx(3.0, abs=2e-2)  # ... close to the true one
    assert result["b"] == pytest.approx(2.0, abs=2e-2)
    losses = result["losses"]
    assert len(losses) == 100 and losses[-1] < 0.02 < losses[0]
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("Loss:") for line in out) == 100


def test_linear_regression_gradients_match_finite_differences():
    # One step from (m, b) moves by −lr·(dm, db): recover the step and compare it with the
    # central difference of the loss, computed here in float64.
    (x, y), _ = linear_regression.make_data(seed=0)
    x, y = x.astype(np.float64), y.astype(np.float64)
    m0, b0 = 0.5, -1.0
    result = linear_regression.run(epochs=1, initial_weights=[m0, b0])
    lr = linear_regression.LEARNING_RATE
    dm, db = (m0 - result["m"]) / lr, (b0 - result["b"]) / lr

    def loss(m, b):
        return np.mean((m * x + b - y) ** 2)

    h = 1e-5
    assert dm == pytest.approx((loss(m0 + h, b0) - loss(m0 - h, b0)) / (2 * h), rel=1e-4)
    assert db == pytest.approx((loss(m0, b0 + h) - loss(m0, b0 - h)) / (2 * h), rel=1e-4)


def test_xor_twin_prints_the_book_lines(capsys):
    result = xor.run(epochs=3, verbose=1)
    check_keys("xor", result)
    assert result["params"] == dense_params(2, 2) + dense_params(2, 1)
    assert len(result["history"]["loss"]) == 3
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:3] == ["compiling model...", "fitting model...", "Testing XOR operator"]
    for line, point, value in zip(lines[3:], POINTS, result["predictions"], strict=True):
        shown, printed = line.split(" : ")
        assert shown == str(np.array([point], dtype=float))
        assert float(printed.strip("[] ")) == pytest.approx(value, abs=1e-6)


def test_xor_twin_keeps_an_exact_solution():
    # h1 = relu(x1 + x2), h2 = relu(x1 + x2 − 1), out = h1 − 2·h2 is XOR with zero gradient.
    weights = [np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]),
               np.array([[1.0], [-2.0]]), np.array([0.0])]
    result = xor.run(epochs=2, initial_weights=weights)
    np.testing.assert_allclose(result["predictions"], [float(a != b) for a, b in POINTS])
    assert result["final_loss"] == 0.0


def test_gate_tables_are_the_true_ones():
    truth = {
        "OR": [int(a or b) for a, b in POINTS],
        "AND": [int(a and b) for a, b in POINTS],
        "NOR": [int(not (a or b)) for a, b in POINTS],
        "XNOR": [int(a == b) for a, b in POINTS],
    }
    assert logic_gates.GATES == truth
    assert logic_gates.x.tolist() == [list(p) for p in POINTS]


def test_gates_twin_trains_each_gate_from_one_start():
    result = logic_gates.run(epochs=20, seed=3)
    check_keys("logic_gates", result)
    assert set(result["predictions"]) == set(result["history"]) == set(logic_gates.GATES)
    for name, history in result["history"].items():
        assert len(history["loss"]) == 20
        assert history["loss"][-1] < history["loss"][0], name
    assert result["predictions"]["OR"] != result["predictions"]["NOR"]


def test_mnist_digit_twin_prints_shapes_and_saves_a_five(tmp_path, capsys):
    result = mnist_digit.run(out=tmp_path, verbose=1)
    check_keys("mnist_digit", result)
    out = capsys.readouterr().out.splitlines()
    assert "X_train.shape: (60000, 28, 28)" in out
    assert "X_test.shape: (10000, 28, 28)" in out
    assert result["label"] == 5
    assert Path(result["png"]) == tmp_path / "mnist_digit.png" and is_png(result["png"])


def test_mnist_mlp_twin_quick_learns():
    result = mnist_mlp.run(epochs=1, quick=True)
    check_keys("mnist_mlp", result)
    assert result["params"] == dense_params(28 * 28, 512) + dense_params(512, 10)
    assert [w.shape for w in result["initial_weights"]] == [(784, 512), (512,), (512, 10), (10,)]
    assert result["test_accuracy"] > 0.5  # 10 classes: chance is 0.1
    assert result["test_loss"] < math.log(10)
    assert result["seconds"] > 0


def test_mnist_cnn_twin_quick_learns_and_reads_image_300(tmp_path):
    result = mnist_cnn.run(quick=True, out=tmp_path)
    check_keys("mnist_cnn", result)
    assert result["params"] == 93_322  # the book's summary, derived in test_reference.py
    assert result["test_loss"] < math.log(10)
    probabilities = result["predictions"]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)
    assert result["predicted_digit"] == int(np.argmax(probabilities))
    assert result["label"] == 4
    assert is_png(tmp_path / "mnist_cnn_test_300.png")


# -- parity with the Keras scripts ---------------------------------------------------------------
def test_xor_twin_matches_keras_after_1000_epochs():
    pytest.importorskip("tensorflow")
    import keras

    reference = listings.load_reference("xor.py")
    keras.utils.set_random_seed(1)  # what reference run(seed=1) does before build_model()
    model = reference.build_model()
    initial = model.get_weights()
    # The script's fit(x, y, epochs=1000) on 4 samples is 1000 Adam steps on one batch of 4.
    # One epoch over 1000 in-order copies of that batch takes the same 1000 steps without
    # Keras's per-epoch overhead (30 to 150 ms here); only the order inside a batch differs,
    # i.e. the float summation order. `compare --quick` (test_cli.py) runs the script itself.
    steps = 1000
    fit = model.fit(np.tile(reference.x, (steps, 1)), np.tile(reference.y, (steps, 1)),
                    batch_size=4, shuffle=False, epochs=1, verbose=0)
    expected = [float(model.predict(np.array([p]), verbose=0)[0, 0]) for p in reference.x]

    result = xor.run(epochs=steps, initial_weights=initial)
    np.testing.assert_allclose(result["predictions"], expected, atol=1e-4)
    assert np.mean(result["history"]["loss"]) == pytest.approx(fit.history["loss"][0], abs=1e-4)
    assert result["final_loss"] < 0.9 * result["history"]["loss"][0]  # training did move


def test_linear_regression_twin_matches_keras():
    pytest.importorskip("tensorflow")
    keras_result = listings.run("linear_regression", "keras", seed=2)
    result = linear_regression.run(seed=2)
    assert result["m"] == pytest.approx(keras_result["m"], abs=1e-4)
    assert result["b"] == pytest.approx(keras_result["b"], abs=1e-4)
    np.testing.assert_allclose(result["losses"], keras_result["losses"], rtol=1e-4)
