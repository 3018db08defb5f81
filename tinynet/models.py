"""Models, as ``keras.models``: ``Sequential``, and rebuilding a saved one with ``load_model``."""

from tinynet import layers as layers_module
from tinynet import losses, optimizers
from tinynet.saving import FORMAT, VERSION, read_model_file
from tinynet.sequential import Sequential

__all__ = ["Sequential", "load_model", "model_from_config"]

# Every layer class tinynet exports can be rebuilt from a file, and nothing else.
LAYER_CLASSES = {name: getattr(layers_module, name) for name in layers_module.__all__
                 if name not in ("Input", "Layer")}


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


def load_model(filepath):
    """Read a model saved by ``save``; never unpickles, refuses anything not tinynet's."""
    arrays, config = read_model_file(filepath)
    model = model_from_config(config)
    weights = [arrays[k] for k in sorted(k for k in arrays if k.startswith("weight_"))]
    model.set_weights(weights)
    state = {k.removeprefix("optimizer/"): v for k, v in arrays.items()
             if k.startswith("optimizer/")}
    if state and model.optimizer is not None:
        model.optimizer.set_state(state)
    return model
