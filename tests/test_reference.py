"""The Keras reference scripts run, build the book's models and print the book's lines."""

import importlib.util
import math
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.keras

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
POINTS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def load(name):
    """Import ``reference/<name>.py`` by path, as a fresh module."""
    spec = importlib.util.spec_from_file_location(f"reference_{name}", REFERENCE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(path):
    """(width, height) from a PNG's signature and IHDR chunk; fails if it is not a PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_png(path):
    """A PNG of matplotlib's default figure size whose pixels are grey and not all one shade."""
    import matplotlib
    import matplotlib.image

    width, height = (round(v * matplotlib.rcParams["figure.dpi"])
                     for v in matplotlib.rcParams["figure.figsize"])
    assert png_size(path) == (width, height)
    pixels = matplotlib.image.imread(path)[..., :3]
    assert np.allclose(pixels, pixels[..., :1])  # red = green = blue: a grey image
    assert pixels.max() - pixels.min() > 0.5


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def conv_params(k, c_in, filters):
    return k * k * c_in * filters + filters


# -- chapter 3: linear regression -------------------------------------------------------------
def test_linear_regression_recovers_the_line():
    module = load("linear_regression")
    result = module.run(seed=0)
    (x_train, y_train), _ = module.make_data(seed=0)
    slope, intercept = np.polyfit(x_train.astype(np.float64), y_train.astype(np.float64), 1)
    # Gradient descent reaches the least-squares line, which lies close to the true one.
    assert result["m"] == pytest.approx(slope, abs=1e-3)
    assert result["b"] == pytest.approx(intercept, abs=1e-3)
    assert result["m"] == pytest.approx(3.0, abs=2e-2)
    assert result["b"] == pytest.approx(2.0, abs=2e-2)
    losses = result["losses"]
    # Descent on a convex quadratic never climbs (up to float32 rounding once converged).
    assert all(later <= earlier + 1e-6 for earlier, later in zip(losses, losses[1:], strict=False))
    assert result["test_loss"] < 0.02  # the noise variance is 0.01


def test_linear_regression_prints_loss_and_honours_initial_weights(capsys):
    module = load("linear_regression")
    result = module.run(epochs=3, verbose=1, initial_weights=[3.0, 2.0])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Loss:")]
    assert len(lines) == 3
    assert [float(w) for w in result["initial_weights"]] == [3.0, 2.0]
    assert result["losses"][0] < 0.02  # starting on the true line, the loss is the noise


# -- listing 4.1: XOR ---------------------------------------------------------------------------
def test_xor_keeps_an_exact_solution():
    # h1 = relu(x1 + x2), h2 = relu(x1 + x2 - 1), out = h1 - 2·h2 is XOR exactly: zero loss and
    # zero gradient, so training leaves it alone and each point predicts its own target.
    weights = [np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]),
               np.array([[1.0], [-2.0]]), np.array([0.0])]
    result = load("xor").run(epochs=2, initial_weights=weights)
    assert result["params"] == dense_params(2, 2) + dense_params(2, 1)
    for given, used in zip(weights, result["initial_weights"], strict=True):
        np.testing.assert_array_equal(given, used)
    assert len(result["history"]["loss"]) == 2
    expected = [float(a != b) for a, b in POINTS]
    np.testing.assert_allclose(result["predictions"], expected, atol=1e-6)
    assert result["final_loss"] == pytest.approx(0.0, abs=1e-10)


def test_xor_script_prints_the_book_lines():
    run = subprocess.run([sys.executable, str(REFERENCE / "xor.py"), "--epochs", "3"],
                         capture_output=True, text=True, cwd=REFERENCE.parent, check=True)
    lines = run.stdout.strip().splitlines()
    assert lines[:3] == ["compiling model...", "fitting model...", "Testing XOR operator"]
    assert len(lines) == 7
    for line, point in zip(lines[3:], POINTS, strict=True):
        shown, value = line.split(" : ")
        assert shown == str(np.array([point], dtype=float))
        assert math.isfinite(float(value.strip("[] ")))


# -- logic gates --------------------------------------------------------------------------------
def test_gate_tables_are_the_true_ones():
    module = load("logic_gates")
    truth = {
        "OR": [int(a or b) for a, b in POINTS],
        "AND": [int(a and b) for a, b in POINTS],
        "NOR": [int(not (a or b)) for a, b in POINTS],
        "XNOR": [int(a == b) for a, b in POINTS],
    }
    assert module.GATES == truth
    assert module.x.tolist() == [list(p) for p in POINTS]


def test_gates_train_from_the_seeded_start():
    import keras

    module = load("logic_gates")
    result = module.run(epochs=20, seed=1)
    keras.utils.set_random_seed(1)
    for expected, used in zip(module.build_model().get_weights(), result["initial_weights"],
                              strict=True):
        np.testing.assert_array_equal(expected, used)
    keras.utils.set_random_seed(2)
    assert not np.array_equal(module.build_model().get_weights()[0], result["initial_weights"][0])
    assert result["params"] == dense_params(2, 2) + dense_params(2, 1)
    assert set(result["predictions"]) == {"OR", "AND", "NOR", "XNOR"}
    for name, history in result["history"].items():
        assert len(result["predictions"][name]) == 4
        assert history["loss"][-1] < history["loss"][0], name
    # Same start, different targets: the trained networks must differ.
    assert result["predictions"]["OR"] != result["predictions"]["NOR"]


# -- listings 4.2 to 4.4: MNIST -----------------------------------------------------------------
def test_mnist_digit_prints_shapes_and_saves_a_five(tmp_path, capsys):
    result = load("mnist_digit").run(out=tmp_path, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert "X_train.shape: (60000, 28, 28)" in out
    assert "X_test.shape: (10000, 28, 28)" in out
    assert result["label"] == 5  # the book's first training digit
    assert Path(result["png"]).parent == tmp_path
    check_png(result["png"])


def test_mnist_mlp_quick_learns():
    result = load("mnist_mlp").run(quick=True, seed=0)
    assert result["params"] == dense_params(28 * 28, 512) + dense_params(512, 10) == 407_050
    assert [w.shape for w in result["initial_weights"]] == [(784, 512), (512,), (512, 10), (10,)]
    losses = result["history"]["loss"]
    assert len(losses) == 5
    assert losses[-1] < losses[0]
    assert result["test_accuracy"] > 0.8
    assert result["seconds"] > 0


def test_mnist_cnn_quick_learns_and_reads_image_300(tmp_path):
    result = load("mnist_cnn").run(quick=True, seed=0, out=tmp_path)
    side = ((28 - 2) // 2 - 2) // 2 - 2  # conv, pool, conv, pool, conv: 26, 13, 11, 5, 3
    expected = (conv_params(3, 1, 32) + conv_params(3, 32, 64) + conv_params(3, 64, 64)
                + dense_params(side * side * 64, 64) + dense_params(64, 10))
    assert result["params"] == expected == 93_322
    assert result["test_loss"] < math.log(10)  # better than guessing uniformly
    assert result["test_accuracy"] > 0.5
    probabilities = result["predictions"]
    assert len(probabilities) == 10
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)
    assert result["predicted_digit"] == int(np.argmax(probabilities))
    assert result["label"] == 4  # the book's test image 300
    check_png(result["png"])
