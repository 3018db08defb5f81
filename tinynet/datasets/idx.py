"""Read and write IDX files, the format MNIST and Fashion-MNIST are published in."""

import gzip
import math
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

from tinynet.datasets import verify

# Header: two zero bytes, a dtype code, the number of dims, then each dim as a big-endian uint32.
DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
CODES = {np.dtype(dt).newbyteorder("="): code for code, dt in DTYPES.items()}

# The four files of an MNIST-format folder, under their canonical names.
NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def read_idx_bytes(path):
    """The raw IDX bytes of ``path``, gunzipped when the name ends in ``.gz``."""
    path = Path(path)
    data = path.read_bytes()
    if path.suffix != ".gz":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: not a valid gzip file ({e}). Download it again.") from e


def parse_idx(data, name="<bytes>"):
    """Parse IDX bytes into a native-endian array.

    Args:
        data: the whole file's bytes (a ``bytearray`` gives a writable array).
        name: the file's name, for error messages.
    """
    where = f"IDX file {name}"
    if len(data) < 4:
        raise ValueError(f"{where} is truncated: {len(data)} bytes, a header needs at least 4.")
    zero, code, ndim = data[:2], data[2], data[3]
    if zero != b"\0\0" or code not in DTYPES:
        raise ValueError(
            f"{where} has a wrong magic number {data[:4].hex()}: expected 0000 then a dtype code "
            f"in {[f'{c:02x}' for c in DTYPES]} and the number of dims. Is it really IDX?"
        )
    end = 4 + 4 * ndim
    if len(data) < end:
        raise ValueError(f"{where} is truncated inside its header ({len(data)} of {end} bytes).")
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, 4))
    dtype = np.dtype(DTYPES[code])
    need = math.prod(shape) * dtype.itemsize  # Python ints: a lying header cannot overflow
    have = len(data) - end
    if have < need:
        raise ValueError(
            f"{where} is truncated: its header promises shape {shape} of {dtype.name} "
            f"({need} bytes of data) but only {have} bytes follow. Download it again."
        )
    if have > need:
        raise ValueError(
            f"{where}: header and payload disagree: shape {shape} of {dtype.name} needs "
            f"{need} bytes of data but {have} follow. The file is damaged or not IDX."
        )
    array = np.frombuffer(data, dtype, need // dtype.itemsize, end).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def load_idx(path):
    """Load one IDX file, raw or ``.gz``.

    Args:
        path: the file, e.g. ``train-images-idx3-ubyte`` or ``train-images-idx3-ubyte.gz``.

    Returns:
        A native-endian NumPy array with the shape and dtype the header gives.
    """
    return parse_idx(bytearray(read_idx_bytes(path)), path)


def idx_bytes(array):
    """The IDX encoding of ``array``: header then big-endian data."""
    array = np.asarray(array)
    code = CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(
            f"save_idx: IDX stores uint8, int8, int16, int32, float32 or float64, got "
            f"{array.dtype}. Cast first, e.g. array.astype(np.int32)."
        )
    if array.ndim > 255 or any(d >= 2**32 for d in array.shape):
        raise ValueError(f"save_idx: IDX allows up to 255 dims below 2**32, got {array.shape}.")
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(DTYPES[code], copy=False).tobytes()


def save_idx(path, array):
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``), atomically.

    Args:
        path: where to write.
        array: an array of dtype uint8, int8, int16, int32, float32 or float64.
    """
    data = idx_bytes(array)
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    write_atomic(path, data)


def write_atomic(path, data):
    """Write ``data`` to a temp file beside ``path``, then rename it, so no half file appears."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name appears
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def find_idx_file(directory, name):
    """The file for canonical ``name`` in ``directory`` (also ``.gz`` and ``x.idx3-ubyte``)."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        path = Path(directory) / candidate
        if path.is_file():
            return path
    return None


def load_idx_files(directory, sha256=None):
    """The four files of an MNIST-format folder as ``{canonical name: array}``.

    Args:
        directory: the folder; see ``load_idx_dataset`` for the names accepted.
        sha256: optional ``{canonical name: sha256 of the raw IDX bytes}``; when given, each
            file is checked before it is parsed.
    """
    arrays = {}
    for name in NAMES:
        path = find_idx_file(directory, name)
        if path is None:
            raise FileNotFoundError(
                f"no {name} in {directory} (also tried .gz and {name.replace('-idx', '.idx')})"
            )
        data = read_idx_bytes(path)
        if sha256 is not None:
            data = verify(data, sha256[name], path)
        arrays[name] = parse_idx(bytearray(data), path)
    return arrays


def load_idx_dataset(directory):
    """Load an MNIST-format folder (MNIST, Fashion-MNIST, KMNIST...).

    Args:
        directory: a folder with ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
            ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each may end in
            ``.gz``, and ``train-images.idx3-ubyte`` naming is accepted too).

    Returns:
        ``((x_train, y_train), (x_test, y_test))``, as ``keras.datasets.mnist.load_data()``.
    """
    x_train, y_train, x_test, y_test = load_idx_files(directory).values()
    for split, x, y in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        if len(x) != len(y):
            raise ValueError(f"{directory}: {len(x)} {split} images but {len(y)} labels.")
    return (x_train, y_train), (x_test, y_test)
