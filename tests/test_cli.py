"""``tinynet list | run | compare | explain``: output, files written and short errors.

A whole `compare --quick --lockstep` run is tested once, in ``test_compare_quick.py``.
"""

import sys
import types

import numpy as np
import pytest

from tinynet.datasets import DataUnavailableError
from tinynet.tools import cli
from tinynet.tools.listings import LISTINGS, mnist_digit


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
    err = capsys.readouterr().err  # after the progress line that names the listing
    assert err.strip().splitlines()[-1] == (
        "tinynet: error: MNIST is not available: no source answered (test)")
    assert "Traceback" not in err
    assert cli.main(["run", "mnist_digit", "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == (
        "tinynet: error: MNIST is not available: no source answered (test)")


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
