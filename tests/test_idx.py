"""The IDX reader and writer: round trips, hand-built headers, and every kind of damaged file."""

import gzip
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinynet.datasets import idx

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@given(
    array=hnp.arrays(st.sampled_from(IDX_DTYPES), hnp.array_shapes(min_dims=0, max_dims=4,
                                                                   min_side=0, max_side=5)),
    suffix=st.sampled_from(["", ".gz"]),
)
def test_save_then_load_gives_the_same_array(array, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data-idx{array.ndim}{suffix}"
        idx.save_idx(path, array)
        back = idx.load_idx(path)
        assert sorted(os.listdir(tmp)) == [path.name]  # no temp file left behind
    assert back.dtype == array.dtype and back.dtype.isnative
    assert back.shape == array.shape
    assert back.tobytes() == array.tobytes()  # bit-exact, NaN payloads included


def test_hand_built_ubyte_file_parses():
    # magic 00 00 08 02, dims 2 and 3, then six bytes
    data = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes([0, 1, 2, 253, 254, 255])
    assert idx.parse_idx(data).tolist() == [[0, 1, 2], [253, 254, 255]]


def test_hand_built_short_file_is_big_endian(tmp_path):
    path = tmp_path / "shorts-idx1"
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]))
    array = idx.load_idx(path)
    assert array.dtype == np.int16 and array.tolist() == [258, -2]


def test_save_writes_the_documented_header(tmp_path):
    idx.save_idx(tmp_path / "f", np.array([1.5], dtype=np.float64))
    expected = bytes([0, 0, 0x0E, 1, 0, 0, 0, 1]) + bytes.fromhex("3ff8000000000000")
    assert (tmp_path / "f").read_bytes() == expected


def test_gz_file_is_gunzipped(tmp_path):
    raw = bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9])
    (tmp_path / "f.gz").write_bytes(gzip.compress(raw))
    assert idx.load_idx(tmp_path / "f.gz").tolist() == [7, 8, 9]


def test_loaded_array_is_writable(tmp_path):
    idx.save_idx(tmp_path / "f", np.zeros((2, 2), np.uint8))
    array = idx.load_idx(tmp_path / "f")
    array[0, 0] = 1
    assert array.sum() == 1


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"\0\0\x08", "truncated: 3 bytes"),
        (bytes([0, 0, 0x08, 3, 0, 0, 0, 2]), "truncated inside its header"),
        (bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3]),
         r"truncated: .*\(4 bytes of data\) but only 3"),
        (bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3]), "header and payload disagree"),
        (bytes([0, 0, 0x08, 3]) + b"\xff" * 12, "promises shape .4294967295,"),
        (bytes([0x1F, 0x8B, 0x08, 1, 0, 0, 0, 1, 1]), "wrong magic number 1f8b0801"),
        (bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 1]), "wrong magic number 00000a01"),
        (bytes([0, 1, 0x08, 1, 0, 0, 0, 1, 1]), "wrong magic number"),
    ],
)
def test_damaged_file_raises_naming_it(tmp_path, data, fragment):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=fragment) as info:
        idx.load_idx(path)
    assert "broken-idx1-ubyte" in str(info.value)


def test_truncated_real_sized_header_reports_sizes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    header = bytes([0, 0, 0x08, 3]) + np.array([60000, 28, 28], ">u4").tobytes()
    path.write_bytes(header + bytes(1000))
    with pytest.raises(ValueError, match=r"shape \(60000, 28, 28\) of uint8 \(47040000 bytes"):
        idx.load_idx(path)


@pytest.mark.parametrize("data", [b"not gzip at all", gzip.compress(bytes(100))[:20]])
def test_bad_gzip_raises_value_error(tmp_path, data):
    (tmp_path / "x.gz").write_bytes(data)
    with pytest.raises(ValueError, match=r"x\.gz: not a valid gzip file"):
        idx.load_idx(tmp_path / "x.gz")


def test_unsupported_dtype_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"got int64\. Cast first"):
        idx.save_idx(tmp_path / "f", np.zeros(3, np.int64))
    assert not (tmp_path / "f").exists()


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(idx.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        idx.save_idx(tmp_path / "f", np.zeros(3, np.uint8))
    assert list(tmp_path.iterdir()) == []


def _write_dataset(directory, n_train=5, n_test=3, name=lambda n: n):
    rng = np.random.default_rng(1)
    arrays = [rng.integers(0, 256, (n_train, 4, 4), dtype=np.uint8),
              rng.integers(0, 10, n_train, dtype=np.uint8),
              rng.integers(0, 256, (n_test, 4, 4), dtype=np.uint8),
              rng.integers(0, 10, n_test, dtype=np.uint8)]
    for canonical, array in zip(idx.NAMES, arrays, strict=True):
        idx.save_idx(directory / name(canonical), array)
    return arrays


@pytest.mark.parametrize("name", [
    lambda n: n,
    lambda n: n + ".gz",
    lambda n: n.replace("-idx", ".idx"),
    lambda n: n.replace("-idx", ".idx") + ".gz",
])
def test_dataset_folder_in_any_naming(tmp_path, name):
    expected = _write_dataset(tmp_path, name=name)
    (x_train, y_train), (x_test, y_test) = idx.load_idx_dataset(tmp_path)
    for got, want in zip((x_train, y_train, x_test, y_test), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_dataset_folder_missing_file(tmp_path):
    _write_dataset(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="no t10k-labels-idx1-ubyte in .*also tried .gz"):
        idx.load_idx_dataset(tmp_path)


def test_dataset_folder_with_unequal_counts(tmp_path):
    _write_dataset(tmp_path)
    idx.save_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="5 train images but 4 labels"):
        idx.load_idx_dataset(tmp_path)
