"""``tinynet list | run | compare | explain``: output, files written and short errors."""

import json
import sys
import types

import numpy as np
import pytest

from tinynet.datasets import DataUnavailableError
from tinynet.tools import cli
from tinynet.tools.listings import LISTINGS, mnist_digit

CURVES = ("xor", "mnist_mlp", "mnist_cnn")  # compare draws both frameworks' losses for these


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_list_prints_every_listing_with_the_books_numbers(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(LISTINGS)
    for line, (name, listing) in zip(lines, LISTINGS.items(), strict=True):
        assert line.split()[0] == name
        assert listing.title in line and listing.book in line
    assert any("407,050" in line for line in lines) and any("93,322" in line for line in lines)


@pytest.mark.parametrize("argv", [["run", "resnet"], ["compare", "xor", "resnet"]])
def test_unknown_listing_lists_the_valid_ones(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'resnet'" in err
    assert all(name in err for name in LISTINGS)


@pytest.mark.parametrize("bad", ["0", "-3", "two"])
def test_epochs_must_be_positive(bad, capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "xor", "--epochs", bad])
    assert "positive whole number" in capsys.readouterr().err


def test_run_xor_in_tinynet_prints_the_book_lines(capsys):
    assert cli.main(["run", "xor", "--epochs", "5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:3] == ["compiling model...", "fitting model...", "Testing XOR operator"]
    assert [line.split(" : ")[0] for line in lines[3:7]] == [
        str(np.array([p], dtype=float)) for p in ([0, 0], [0, 1], [1, 0], [1, 1])]
    assert lines[7].startswith("xor on tinynet: final loss ")


@pytest.mark.parametrize("argv", [["run", "xor", "--framework", "keras"], ["compare", "xor"]])
def test_missing_tensorflow_says_how_to_install(argv, monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` now fails
    assert cli.main([*argv, *(["--out", str(tmp_path)] if argv[0] == "compare" else [])]) == 1
    captured = capsys.readouterr()
    assert "uv sync" in captured.err and "pip install 'tinynet[keras]'" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []  # stopped before any work


def test_compare_without_matplotlib_stops_before_any_work(monkeypatch, capsys, tmp_path):
    pytest.importorskip("tensorflow")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert cli.main(["compare", "xor", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "pip install 'tinynet[plot]'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_data_is_one_short_error(monkeypatch, capsys):
    def unavailable():
        raise DataUnavailableError("MNIST is not available: no source answered (test)")

    monkeypatch.setattr(mnist_digit, "load_data", unavailable)
    assert cli.main(["run", "mnist_digit"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "tinynet: error: MNIST is not available: no source answered (test)"


def test_explain_hands_over_step_and_seed(monkeypatch):
    calls = []
    fake = types.ModuleType("tinynet.tools.explain")
    fake.explain_xor = lambda step=1, print_fn=print, seed=0: calls.append((step, seed))
    monkeypatch.setitem(sys.modules, "tinynet.tools.explain", fake)
    assert cli.main(["explain", "xor"]) == 0
    assert cli.main(["explain", "xor", "--step", "3", "--seed", "7"]) == 0
    assert calls == [(1, 0), (3, 7)]


def test_explain_without_its_module_is_a_short_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tinynet.tools.explain", None)
    assert cli.main(["explain", "xor"]) == 1
    assert "tinynet/explain.py is missing" in capsys.readouterr().err


def test_compare_quick_prints_one_row_per_listing_and_writes_files(tmp_path, capsys):
    pytest.importorskip("tensorflow")
    assert cli.main(["compare", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in out if line and line.split()[0] in LISTINGS}
    assert list(rows) == list(LISTINGS)
    assert "tinynet / keras" in "\n".join(out) and "own RNG" in "\n".join(out)

    assert is_png(tmp_path / "mnist_digit.png")
    for name in CURVES:
        assert is_png(tmp_path / f"{name}_learning_curves.png")
    results = json.loads((tmp_path / "compare.json").read_text())["listings"]
    assert list(results) == list(LISTINGS)
    for name, pair in results.items():
        assert pair["tinynet"]["framework"] == "tinynet" and pair["keras"]["framework"] == "keras"
        assert "initial_weights" not in pair["tinynet"]
        assert pair["tinynet"].get("params") == pair["keras"].get("params"), name
    # The scripts themselves, 100 epochs from the same start, one batch of 4 per epoch.
    np.testing.assert_allclose(results["xor"]["tinynet"]["predictions"],
                               results["xor"]["keras"]["predictions"], atol=1e-4)
    for gate, predictions in results["logic_gates"]["tinynet"]["predictions"].items():
        np.testing.assert_allclose(predictions,
                                   results["logic_gates"]["keras"]["predictions"][gate],
                                   atol=1e-4)
    for key in ("m", "b"):
        assert results["linear_regression"]["tinynet"][key] == pytest.approx(
            results["linear_regression"]["keras"][key], abs=1e-4)
    for name in ("mnist_mlp", "mnist_cnn"):  # different batch orders: close, not equal
        accuracies = [results[name][fw]["test_accuracy"] for fw in ("tinynet", "keras")]
        assert abs(accuracies[0] - accuracies[1]) < 0.1, name
        assert min(accuracies) > 0.5, name
