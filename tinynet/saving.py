"""Saving a model as one ``.npz`` file: its JSON architecture plus plain arrays (no pickles).

Reading trusts nothing in the file: every entry's header is checked (a real float or int array,
no objects, no bigger than the bytes it occupies) before any of it is read, and only the
entries the model needs are read at all.
"""

import json
import math
import os
import re
import stat
import tempfile
import zipfile

import numpy as np

from tinynet import validation

FORMAT, VERSION = "tinynet.Sequential", 1
WEIGHT = re.compile(r"weight_\d+")  # weight_000, weight_001, ... weight_1000: numeric order


def model_config(model):
    """The architecture as a JSON-able dict: enough to rebuild the model without its weights."""
    config = {"format": FORMAT, "version": VERSION, "name": model.name,
              "input_shape": None if model.input_shape is None else list(model.input_shape),
              "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                         for layer in model.layers]}
    if model.loss is not None:
        config["compile"] = {"optimizer": model.optimizer.get_config(), "loss": model.loss.name,
                             "metrics": list(model.metric_names)}
    return config


def save_model(model, filepath, include_optimizer=True):
    """Write ``filepath`` (.npz) atomically: a temp file beside it, then a rename.

    A symlink is followed (the link stays, its target is replaced) and an existing file keeps
    its permissions; a new one gets the usual ``0666 & ~umask``.
    """
    if not model.built:
        raise ValueError(f"{model.name}: build the model (give it an input shape) before saving.")
    arrays = {"config": np.array(json.dumps(model_config(model)))}
    arrays.update({f"weight_{i:03d}": w for i, w in enumerate(model.get_weights())})
    if include_optimizer and model.optimizer is not None:
        arrays.update({f"optimizer/{k}": np.asarray(v)
                       for k, v in model.optimizer.get_state().items()})
    target = os.path.realpath(validation.check_path(filepath, "save"))
    folder = os.path.dirname(target)
    mode = _mode_for(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tinynet-", suffix=".npz.tmp")
    except OSError as err:
        raise _save_error(err, filepath, folder) from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as err:
        os.unlink(tmp)
        if isinstance(err, IsADirectoryError):
            raise IsADirectoryError(err.errno, f"cannot save the model: {filepath!r} is a "
                                    "folder. Give a file name, e.g. 'model.npz'.") from None
        raise


def _mode_for(target):
    """The permissions to give the new file: the old file's, or ``0666 & ~umask``."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _save_error(err, filepath, folder):
    """An ``OSError`` that names the folder and the fix, not the hidden temp file."""
    if not os.path.exists(folder):
        why = f"the folder {folder!r} does not exist. Create it first (os.makedirs)"
    elif not os.path.isdir(folder):
        why = f"{folder!r} is a file, not a folder. Choose another path"
    else:
        why = f"cannot write in {folder!r} ({err.strerror}). Choose a folder you can write to"
    return type(err)(err.errno, f"cannot save the model to {filepath!r}: {why}.")


# -- reading -------------------------------------------------------------------------------
class ModelFile:
    """A saved model opened for checked reading: ``config``, then ``read(key, shape)``.

    Use as a context manager. Nothing but the headers is read until ``read`` is called.
    """

    def __init__(self, filepath):
        self.path = validation.check_path(filepath, "load_model")
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"{self.path}: no such file. Check the path (saved models "
                                    "are written by model.save('name.npz')).")
        if os.path.isdir(self.path):
            raise IsADirectoryError(f"{self.path}: is a folder, not a saved model file.")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise self._bad(f"cannot read it as a tinynet .npz model ({err})") from None
        self.size = os.path.getsize(self.path)
        self.entries = {info.filename.removesuffix(".npy"): info
                        for info in self.zip.infolist() if info.filename.endswith(".npy")}
        if "config" not in self.entries:
            self.close()
            raise ValueError(f"{self.path}: not a tinynet model (no JSON 'config' entry).")
        self.config = self._config()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.zip.close()

    def _bad(self, why):
        return ValueError(f"{self.path}: {why}. The file is corrupt, truncated, not a model "
                          "saved by tinynet, or holds pickled objects.")

    def _config(self):
        text = self.read("config", kinds="U")
        if text.ndim != 0:
            raise self._bad("its 'config' entry is not one JSON string")
        try:
            config = json.loads(str(text))
        except json.JSONDecodeError as err:
            raise ValueError(f"{self.path}: its config is not valid JSON ({err}).") from None
        if not isinstance(config, dict):
            raise ValueError(f"{self.path}: its config is not a JSON object.")
        return config

    def header(self, key):
        """``(shape, dtype)`` of entry ``key``, checked against the bytes it occupies."""
        info = self.entries[key]
        if info.compress_type != zipfile.ZIP_STORED:
            raise self._bad(f"entry {key!r} is compressed, and tinynet writes plain entries")
        if info.header_offset + info.file_size > self.size:
            raise self._bad(f"entry {key!r} claims more bytes than the file has")
        try:
            with self.zip.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy version {version}")
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(f)
                offset = f.tell()
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise self._bad(f"entry {key!r} has a bad header ({err})") from None
        if dtype.hasobject:
            raise self._bad(f"entry {key!r} holds Python objects (pickles), never loaded")
        if offset + math.prod(shape) * dtype.itemsize != info.file_size:
            raise self._bad(f"entry {key!r} declares shape {shape} of {dtype}, which does not "
                            f"fit its {info.file_size} bytes")
        return tuple(shape), dtype

    def read(self, key, shape=None, kinds="f"):
        """Entry ``key`` as an array, refused unless its kind is in ``kinds`` (``'f'`` float,
        ``'i'`` int, ``'U'`` text) and, if given, its shape is ``shape`` (checked first)."""
        if key not in self.entries:
            raise self._bad(f"entry {key!r} is missing")
        found, dtype = self.header(key)
        if dtype.kind not in kinds:
            what = "complex numbers" if dtype.kind == "c" else f"dtype {dtype}"
            expected = {"f": "real floats", "iu": "an integer", "U": "JSON text"}[kinds]
            raise ValueError(f"{self.path}: entry {key!r} holds {what}, where tinynet writes "
                             f"{expected}. The file is damaged or not tinynet's.")
        if shape is not None and found != tuple(shape):
            raise ValueError(f"{self.path}: entry {key!r} has shape {found}, but its config "
                             f"needs {tuple(shape)}. The file is damaged or not tinynet's.")
        try:
            with self.zip.open(self.entries[key]) as f:
                return np.lib.format.read_array(f, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise self._bad(f"entry {key!r} cannot be read ({err})") from None

    def weight_keys(self):
        """The ``weight_<i>`` entries in numeric order; they must be ``0 … n−1``, none missing."""
        keys = [key for key in self.entries if WEIGHT.fullmatch(key)]
        keys.sort(key=lambda key: int(key.removeprefix("weight_")))  # weight_1000 after _999
        if sorted(int(key.removeprefix("weight_")) for key in keys) != list(range(len(keys))):
            raise self._bad(f"its weight entries are not numbered 0 to {len(keys) - 1}")
        return keys

    def weight_elements(self):
        """How many weight values the file holds (from the headers alone)."""
        return sum(math.prod(self.header(key)[0]) for key in self.weight_keys())

    def optimizer_keys(self):
        return sorted(key for key in self.entries if key.startswith("optimizer/"))
