"""The bridge to Keras, both ways: ``to_keras`` and ``from_keras`` with weights copied exactly.

TensorFlow is imported only inside these functions, so tinynet itself needs NumPy alone.
"""

from tinynet import layers as tl
from tinynet import losses, optimizers
from tinynet.model import Sequential

KERAS_INSTALL_HINT = (
    "this needs Keras with TensorFlow: `uv sync` (the dev group installs it) or "
    "`pip install 'tinynet[keras]'`."
)
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")


def _keras():
    try:
        import keras
    except ImportError:
        raise ImportError(f"tinynet.interop: {KERAS_INSTALL_HINT}") from None
    return keras


def _keras_layer(keras, layer):
    """The Keras twin of one tinynet layer, built from its config."""
    c = layer.get_config()
    common = {"name": c["name"], "dtype": c["dtype"]}
    kind = type(layer).__name__
    if kind == "Dense":
        return keras.layers.Dense(c["units"], activation=c["activation"],
                                  use_bias=c["use_bias"], **common)
    if kind == "Conv2D":
        return keras.layers.Conv2D(c["filters"], tuple(c["kernel_size"]),
                                   strides=tuple(c["strides"]), padding=c["padding"],
                                   activation=c["activation"], use_bias=c["use_bias"], **common)
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
    """A ``keras.Sequential`` equal to ``model``: same layers, names, weights (and compile)."""
    keras = _keras()
    if not model.built:
        raise ValueError(f"to_keras: build {model.name!r} first (it needs an input shape).")
    km = keras.Sequential([keras.Input(shape=model.input_shape)], name=model.name)
    for layer in model.layers:
        km.add(_keras_layer(keras, layer))
    km.set_weights(model.get_weights())
    if compile and model.loss is not None:
        opt = model.optimizer.get_config()
        km.compile(optimizer=keras.optimizers.get({"class_name": opt["class_name"],
                                                   "config": opt["config"]}),
                   loss=model.loss.name, metrics=list(model.metric_names))
    return km


def _unsupported(layer, option, value):
    raise ValueError(
        f"from_keras: layer {layer.name!r} ({type(layer).__name__}) uses {option}={value!r}, "
        "which tinynet does not support; nothing is approximated, so it cannot be converted."
    )


def _check(layer, config, **allowed):
    """Refuse any option whose value differs from what tinynet implements."""
    for option, ok in allowed.items():
        value = config.get(option)
        if value is not None and value not in ok:
            _unsupported(layer, option, value)
    for reg in ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                "kernel_constraint", "bias_constraint"):
        if config.get(reg) is not None:
            _unsupported(layer, reg, config[reg])


def _tinynet_layer(layer):
    kind, c = type(layer).__name__, layer.get_config()
    dtype = c.get("dtype")
    dtype = dtype.get("config", {}).get("name", "float32") if isinstance(dtype, dict) else dtype
    common = {"name": layer.name, "dtype": dtype or "float32"}
    if kind in ("Dense", "Conv2D", "Activation"):
        _check(layer, c, activation=ACTIVATIONS)
    if kind == "Dense":
        return tl.Dense(c["units"], activation=c["activation"], use_bias=c["use_bias"], **common)
    if kind == "Conv2D":
        _check(layer, c, data_format=("channels_last",), dilation_rate=((1, 1),), groups=(1,))
        return tl.Conv2D(c["filters"], tuple(c["kernel_size"]), strides=tuple(c["strides"]),
                         padding=c["padding"], activation=c["activation"],
                         use_bias=c["use_bias"], **common)
    if kind == "MaxPooling2D":
        _check(layer, c, data_format=("channels_last",))
        return tl.MaxPooling2D(tuple(c["pool_size"]), strides=tuple(c["strides"]),
                               padding=c["padding"], **common)
    if kind == "Flatten":
        _check(layer, c, data_format=("channels_last",))
        return tl.Flatten(**common)
    if kind == "Dropout":
        if c.get("noise_shape") is not None:
            _unsupported(layer, "noise_shape", c["noise_shape"])
        return tl.Dropout(c["rate"], seed=c.get("seed"), **common)
    if kind == "Activation":
        return tl.Activation(c["activation"], **common)
    raise ValueError(
        f"from_keras: layer {layer.name!r} of type {kind} is not supported by tinynet "
        "(supported: Dense, Conv2D, MaxPooling2D, Flatten, Dropout, Activation)."
    )


def from_keras(keras_model, compile=True):
    """A tinynet ``Sequential`` equal to a built ``keras.Sequential``, weights copied exactly."""
    keras = _keras()
    if not isinstance(keras_model, keras.Sequential):
        raise ValueError(f"from_keras: only keras.Sequential models convert, got "
                         f"{type(keras_model).__name__}.")
    if not keras_model.built:
        raise ValueError("from_keras: build the Keras model first (give it an Input).")
    model = Sequential([tl.Input(shape=tuple(keras_model.input_shape[1:]))],
                       name=keras_model.name)
    for layer in keras_model.layers:
        model.add(_tinynet_layer(layer))
    model.set_weights(keras_model.get_weights())
    if compile and getattr(keras_model, "optimizer", None) is not None and keras_model.loss:
        opt = keras.optimizers.serialize(keras_model.optimizer)
        loss = keras_model.loss
        loss = loss if isinstance(loss, str) else getattr(loss, "name", loss)
        model.compile(optimizer=optimizers.deserialize(opt), loss=losses.get(loss),
                      metrics=_metric_names(keras_model))
    return model


def _metric_names(keras_model):
    compiled = getattr(keras_model, "_compile_config", None)
    metrics = (compiled.config.get("metrics") if compiled is not None else None) or []
    return [m for m in metrics if isinstance(m, str)]
