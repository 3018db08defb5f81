"""Saving and loading whole models as one ``.npz`` file: JSON architecture plus plain arrays."""

import json
import os
import tempfile
import zipfile

import numpy as np

from tinynet import layers as layers_module
from tinynet import losses, optimizers
from tinynet.model import Sequential

FORMAT, VERSION = "tinynet.Sequential", 1
LAYER_CLASSES = {cls.__name__: cls for cls in (
    layers_module.Dense, layers_module.Conv2D, layers_module.MaxPooling2D,
    layers_module.Flatten, layers_module.Dropout, layers_module.Activation)}


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


def model_from_config(config):
    """Rebuild an (unweighted) model from ``model_config``'s dict; unknown parts are refused."""
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError("not a tinynet model: its config lacks format 'tinynet.Sequential'.")
    if config.get("version") != VERSION:
        raise ValueError(f"unsupported tinynet model version {config.get('version')!r}.")
    model = Sequential(name=config.get("name"))
    for entry in config["layers"]:
        cls = LAYER_CLASSES.get(entry.get("class_name"))
        if cls is None:
            raise ValueError(f"unknown layer class {entry.get('class_name')!r} in the file; "
                             f"tinynet knows {', '.join(LAYER_CLASSES)}.")
        try:
            layer = cls(**entry["config"])
        except TypeError as err:
            raise ValueError(f"bad config for layer {entry.get('class_name')}: {err}") from None
        model.add(layer)
    if config.get("input_shape") is not None and not model.built:
        model.build(config["input_shape"])
    if "compile" in config:
        c = config["compile"]
        model.compile(optimizer=optimizers.deserialize(c["optimizer"]),
                      loss=losses.get(c["loss"]), metrics=c["metrics"])
    return model


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


def load_model(filepath):
    """Read a model saved by ``save``; never unpickles, refuses anything not tinynet's."""
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
    model = model_from_config(config)
    weights = [arrays[k] for k in sorted(k for k in arrays if k.startswith("weight_"))]
    model.set_weights(weights)
    state = {k.removeprefix("optimizer/"): v for k, v in arrays.items()
             if k.startswith("optimizer/")}
    if state and model.optimizer is not None:
        model.optimizer.set_state(state)
    return model
