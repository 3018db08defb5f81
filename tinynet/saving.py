"""Saving a model as one ``.npz`` file: its JSON architecture plus plain arrays (no pickles)."""

import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT, VERSION = "tinynet.Sequential", 1


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
    """Write ``filepath`` (.npz) atomically: a temp file beside it, then a rename."""
    if not model.built:
        raise ValueError(f"{model.name}: build the model (give it an input shape) before saving.")
    arrays = {"config": np.array(json.dumps(model_config(model)))}
    arrays.update({f"weight_{i:03d}": w for i, w in enumerate(model.get_weights())})
    if include_optimizer and model.optimizer is not None:
        arrays.update({f"optimizer/{k}": np.asarray(v)
                       for k, v in model.optimizer.get_state().items()})
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tinynet-", suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, filepath)
    except BaseException:
        os.unlink(tmp)
        raise


def read_model_file(filepath):
    """The arrays and the parsed JSON config of a saved model; never unpickles."""
    try:
        with np.load(filepath, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise ValueError(
            f"{filepath}: cannot read it as a tinynet .npz model ({err}). "
            "The file is corrupt, truncated, not a model saved by tinynet, "
            "or holds pickled objects."
        ) from None
    if "config" not in arrays or arrays["config"].dtype.kind != "U":
        raise ValueError(f"{filepath}: not a tinynet model (no JSON 'config' entry).")
    try:
        config = json.loads(str(arrays["config"]))
    except json.JSONDecodeError as err:
        raise ValueError(f"{filepath}: its config is not valid JSON ({err}).") from None
    return arrays, config
