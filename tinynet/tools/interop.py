"""The bridge to Keras, both ways: ``to_keras`` and ``from_keras`` with weights copied exactly."""

# TensorFlow is imported only inside these functions, so tinynet itself needs NumPy alone.
# Nothing is approximated: a Keras layer, option, loss or metric that tinynet does not
# implement exactly is refused with an error that names it.

import numpy as np

from tinynet import layers as tl
from tinynet import optimizers, regularizers
from tinynet.sequential import Sequential
from tinynet.tools import keras_builtins
from tinynet.tools.keras_options import (
    ACTIVATIONS,
    INERT,
    OFF,
    READS,
    REGULARIZED,
    SAME_ARGUMENTS,
    SEQUENCE_LAYERS,
    SEQUENCE_REGULARIZED,
)

KERAS_INSTALL_HINT = (
    "this needs Keras with TensorFlow: `uv sync` (the dev group installs it) or "
    "`pip install 'tinynet[keras]'`."
)


def _keras():
    try:
        import keras
    except ImportError:
        raise ImportError(f"tinynet.tools.interop: {KERAS_INSTALL_HINT}") from None
    return keras


# -- tinynet → Keras -----------------------------------------------------------------------
def _keras_layer(keras, layer):
    """The Keras twin of one tinynet layer, built from its config."""
    c = layer.get_config()
    common = {"name": c["name"], "dtype": c["dtype"], "trainable": layer.trainable}
    kind = type(layer).__name__
    penalties = {key: keras.regularizers.get(c.get(key))
                 for key in SEQUENCE_REGULARIZED.get(kind, REGULARIZED)}
    if kind in SEQUENCE_LAYERS:
        return getattr(keras.layers, kind)(**{k: c[k] for k in SEQUENCE_LAYERS[kind]},
                                           **penalties, **common)
    if kind == "Dense":
        return keras.layers.Dense(c["units"], activation=c["activation"],
                                  use_bias=c["use_bias"], **penalties, **common)
    if kind == "Conv2D":
        return keras.layers.Conv2D(c["filters"], tuple(c["kernel_size"]),
                                   strides=tuple(c["strides"]), padding=c["padding"],
                                   activation=c["activation"], use_bias=c["use_bias"],
                                   **penalties, **common)
    if kind in SAME_ARGUMENTS:
        return getattr(keras.layers, kind)(**{k: c[k] for k in READS[kind]}, **common)
    if kind == "MaxPooling2D":
        return keras.layers.MaxPooling2D(tuple(c["pool_size"]), strides=tuple(c["strides"]),
                                         padding=c["padding"], **common)
    if kind == "Flatten":
        return keras.layers.Flatten(**common)
    if kind == "Dropout":
        return keras.layers.Dropout(c["rate"], seed=c.get("seed"), **common)
    if kind == "Activation":
        return keras.layers.Activation(c["activation"], **common)
    raise ValueError(f"to_keras: layer {layer.name!r} of type {kind} has no Keras mapping.")


def to_keras(model, compile=True):
    """A ``keras.Sequential`` equal to ``model``: layers, names, weights, and (if ``compile``)
    its optimizer with any state it has built up, loss and metrics."""
    keras = _keras()
    if not model.built:
        raise ValueError(f"to_keras: build {model.name!r} first (it needs an input shape).")
    for layer in model.layers:
        keras_builtins.check_name(layer)
    km = keras.Sequential([keras.Input(shape=model.input_shape)], name=model.name)
    for layer in model.layers:
        km.add(_keras_layer(keras, layer))
    km.set_weights(model.get_weights())
    if compile and model.loss is not None:
        km.compile(optimizer=keras.optimizers.get(model.optimizer.get_config()),
                   loss=model.loss.name, metrics=list(model.metric_names))
        if model.optimizer.iterations:
            _state_to_keras(model, km)
    return km


def _slot_prefixes(keras_model):
    """Per trainable variable, in weight order, the name prefix of its optimizer slots: Keras
    calls them ``<variable path, '/' → '_'>_<slot>``, e.g. ``sequential_dense_kernel_momentum``."""
    return [v.path.replace("/", "_") for v in keras_model.trainable_variables]


def _state_to_keras(model, km):
    """Build Keras's optimizer and give it tinynet's step count and slots."""
    opt = km.optimizer
    opt.build(km.trainable_variables)
    variables = {v.name: v for v in opt.variables}
    for key, prefix in zip(_weight_keys(model), _slot_prefixes(km), strict=True):
        for slot, array in model.optimizer.slots[key].items():
            variables[f"{prefix}_{slot}"].assign(array)
    opt.iterations.assign(model.optimizer.iterations)


def _weight_keys(model):
    """The trainable weights' keys, in the order of Keras's ``trainable_variables``."""
    return list(model.parameters())


# -- Keras → tinynet -----------------------------------------------------------------------
def _unsupported(layer, option, value):
    raise ValueError(
        f"from_keras: layer {layer.name!r} ({type(layer).__name__}) uses {option}={value!r}, "
        "which tinynet does not support; nothing is approximated, so it cannot be converted."
    )


def _check(layer, kind, config):
    """Refuse every option whose value differs from what tinynet implements."""
    for option, value in config.items():
        if option in READS[kind] or option in INERT:
            continue
        off = OFF.get(option)
        if value is not None and (tuple(value) if isinstance(value, list) else value) != off:
            _unsupported(layer, option, value)
    if "activation" in config and config["activation"] not in ACTIVATIONS:
        _unsupported(layer, "activation", config["activation"])


def _dtype(layer, config):
    dtype = config.get("dtype") or "float32"
    dtype = dtype.get("config", {}).get("name", "float32") if isinstance(dtype, dict) else dtype
    if dtype not in ("float32", "float64"):
        _unsupported(layer, "dtype", dtype)
    return dtype


def _tinynet_layer(layer):
    kind, c = type(layer).__name__, layer.get_config()
    if kind not in READS:
        raise ValueError(
            f"from_keras: layer {layer.name!r} of type {kind} is not supported by tinynet "
            f"(supported: {', '.join(READS)})."
        )
    _check(layer, kind, c)
    keras_builtins.check_layer(_keras(), layer)  # Keras's own class and activations, by identity
    common = {"name": layer.name, "dtype": _dtype(layer, c), "trainable": layer.trainable}
    penalties = {key: _regularizer(layer, key, c.get(key))
                 for key in SEQUENCE_REGULARIZED.get(kind, REGULARIZED)}
    if kind in SEQUENCE_LAYERS:
        if c.get("recurrent_activation", "sigmoid") not in ACTIVATIONS:
            _unsupported(layer, "recurrent_activation", c["recurrent_activation"])
        return getattr(tl, kind)(**{k: c[k] for k in SEQUENCE_LAYERS[kind]}, **penalties,
                                 **common)
    if kind == "Dense":
        return tl.Dense(c["units"], activation=c["activation"], use_bias=c["use_bias"],
                        **penalties, **common)
    if kind == "Conv2D":
        return tl.Conv2D(c["filters"], tuple(c["kernel_size"]), strides=tuple(c["strides"]),
                         padding=c["padding"], activation=c["activation"],
                         use_bias=c["use_bias"], **penalties, **common)
    if kind in SAME_ARGUMENTS:
        return getattr(tl, kind)(**{k: c[k] for k in READS[kind]}, **common)
    if kind == "MaxPooling2D":
        return tl.MaxPooling2D(tuple(c["pool_size"]), strides=tuple(c["strides"]),
                               padding=c["padding"], **common)
    if kind == "Flatten":
        return tl.Flatten(**common)
    if kind == "Dropout":
        return tl.Dropout(c["rate"], seed=c.get("seed"), **common)
    return tl.Activation(c["activation"], **common)


def _regularizer(layer, option, config):
    """A Keras L1, L2 or L1L2 as tinynet's; any other regularizer (a user's own too) is refused."""
    if config is None:
        return None
    if (not isinstance(config, dict) or config.get("module") != "keras.regularizers"
            or config.get("class_name") not in regularizers.CLASSES):
        _unsupported(layer, option, config)
    # Keras's L1 keeps its factor as a float32 tensor, so its config says 0.009999999776 for
    # 0.01. Both frameworks apply the float32 value, so read back its shortest decimal.
    factors = {key: float(str(np.float32(v))) for key, v in config["config"].items()}
    return regularizers.get({"class_name": config["class_name"], "config": factors})


def from_keras(keras_model, compile=True):
    """A tinynet ``Sequential`` equal to a built ``keras.Sequential``, weights copied exactly.

    With ``compile``, a compiled model's optimizer (with its step count and slots), loss and
    metrics carry over too, so training continues as it would have in Keras.
    """
    keras = _keras()
    if not isinstance(keras_model, keras.Sequential):
        raise ValueError(f"from_keras: only keras.Sequential models convert, got "
                         f"{type(keras_model).__name__}.")
    if not keras_model.built:
        raise ValueError("from_keras: build the Keras model first (give it an Input).")
    model = Sequential([tl.Input(shape=keras_builtins.check_input_shape(
                        keras_model.input_shape[1:]))],
                       name=keras_model.name)
    for layer in keras_model.layers:
        model.add(_tinynet_layer(layer))
    model.set_weights(keras_model.get_weights())
    compiled = getattr(keras_model, "_compile_config", None)
    if compile and compiled is not None and keras_model.loss is not None:
        config = compiled.config
        for option in ("loss_weights", "weighted_metrics"):
            if config.get(option) is not None:
                raise ValueError(f"from_keras: the model is compiled with {option}="
                                 f"{config[option]!r}, which tinynet does not support.")
        opt = keras_model.optimizer
        model.compile(optimizer=optimizers.deserialize(keras.optimizers.serialize(opt)),
                      loss=_loss_name(keras_model.loss),
                      metrics=[_metric_name(m) for m in config.get("metrics") or []])
        if opt.built and int(opt.iterations.numpy()):
            _state_from_keras(keras_model, model)
    return model


def _loss_name(loss):
    """The tinynet name of a Keras loss: a name, or Keras's own function or class (by identity)."""
    return keras_builtins.loss_name(_keras(), loss)


def _metric_name(metric):
    """The tinynet name of a Keras metric: a name, or Keras's own function or class."""
    return keras_builtins.metric_name(_keras(), metric)


def _state_from_keras(keras_model, model):
    """Give tinynet's optimizer Keras's step count and slots, so the next step is the same."""
    opt = keras_model.optimizer
    variables = {v.name: v for v in opt.variables}
    state = {"iterations": int(opt.iterations.numpy())}
    for key, prefix in zip(_weight_keys(model), _slot_prefixes(keras_model), strict=True):
        for slot in model.optimizer.slot_names():
            state[f"{key}/{slot}"] = variables[f"{prefix}_{slot}"].numpy()
    model.optimizer.set_state(state)
