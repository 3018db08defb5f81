"""Models, as ``keras.models``: ``Sequential``, and rebuilding a saved one with ``load_model``."""

from tinynet import initializers, losses, optimizers
from tinynet import layers as layers_module
from tinynet.saving import FORMAT, VERSION, ModelFile
from tinynet.sequential import Sequential

__all__ = ["Sequential", "load_model", "model_from_config"]

# Every layer class tinynet exports can be rebuilt from a file, and nothing else.
LAYER_CLASSES = {name: getattr(layers_module, name) for name in layers_module.__all__
                 if name not in ("Input", "Layer")}


def _entry(config, key, kind, where):
    """``config[key]``, which must exist and be of ``kind``; else a ``ValueError`` naming it."""
    if not isinstance(config, dict) or key not in config:
        raise ValueError(f"bad tinynet config: {where} has no {key!r} entry.")
    if not isinstance(config[key], kind):
        raise ValueError(f"bad tinynet config: {where}[{key!r}] must be a "
                         f"{getattr(kind, '__name__', 'list')}, got {config[key]!r:.80}.")
    return config[key]


def model_from_config(config):
    """Rebuild an (unweighted) model from ``model_config``'s dict; unknown parts are refused."""
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError("not a tinynet model: its config lacks format 'tinynet.Sequential'.")
    if config.get("version") != VERSION:
        raise ValueError(f"unsupported tinynet model version {config.get('version')!r}.")
    model = Sequential(name=config.get("name") if isinstance(config.get("name"), str) else None)
    for i, entry in enumerate(_entry(config, "layers", list, "the model")):
        name = _entry(entry, "class_name", str, f"layers[{i}]")
        cls = LAYER_CLASSES.get(name)
        if cls is None:
            raise ValueError(f"unknown layer class {name!r} in the file; "
                             f"tinynet knows {', '.join(LAYER_CLASSES)}.")
        try:
            layer = cls(**_entry(entry, "config", dict, f"layers[{i}]"))
        except TypeError as err:
            raise ValueError(f"bad config for layer {name}: {err}") from None
        model.add(layer)
    if config.get("input_shape") is not None and not model.built:
        model.build(config["input_shape"])
    if "compile" in config:
        c = _entry(config, "compile", dict, "the model")
        _entry(c, "optimizer", dict, "compile")
        model.compile(optimizer=optimizers.deserialize(c["optimizer"]),
                      loss=losses.get(_entry(c, "loss", str, "compile")),
                      metrics=_entry(c, "metrics", list, "compile"))
    return model


def load_model(filepath):
    """Read a model saved by ``save``; never unpickles, refuses anything not tinynet's.

    Sizes are checked before anything is allocated: building from the config may draw no more
    weights than the file holds, and each array's header must give the shape the model needs.
    """
    with ModelFile(filepath) as f:
        with initializers.budget(f.weight_elements(), f.path):
            model = model_from_config(f.config)
        keys = f.weight_keys()
        shapes = [w.shape for w in model.get_weights()]
        if len(keys) != len(shapes):
            raise ValueError(f"{f.path}: the file holds {len(keys)} weight arrays, but its "
                             f"config needs {len(shapes)}. The file is damaged.")
        weights = [f.read(key, shape) for key, shape in zip(keys, shapes, strict=True)]
        state = {}
        if model.optimizer is not None:
            for key in f.optimizer_keys():
                name = key.removeprefix("optimizer/")
                state[name] = f.read(key, kinds="iu" if name == "iterations" else "f")
    try:
        model.set_weights(weights)
        if state:
            model.optimizer.set_state(state, params=model.parameters())
    except ValueError as err:
        raise ValueError(f"{f.path}: {err}") from None
    return model
