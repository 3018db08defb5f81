"""Keras's own objects, recognised by identity: what ``from_keras`` may convert.

A Keras config names a function or class, and a user's ``def relu(x): return tanh(x)`` or a
``Dense`` subclass with its own ``call`` carries the same name. So a layer converts only if
its class *is* ``keras.layers.<Name>``, an activation only if it *is* ``keras.activations.<name>``,
and a loss or metric only if it *is* Keras's built-in function or class; anything else is
refused by name, never approximated.
"""

from tinynet import activations, losses, utils
from tinynet import metrics as metrics_module

# A Keras loss object converts when these entries hold these values (reduction: the mean).
LOSS_OFF = {"reduction": "sum_over_batch_size", "from_logits": False, "label_smoothing": 0.0,
            "axis": -1, "ignore_class": None}


def _refuse(what, obj, fix):
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    module = getattr(obj, "__module__", None) or type(obj).__module__
    raise ValueError(f"from_keras: {what} {module}.{name} is not Keras's built-in one, so "
                     f"tinynet cannot know what it computes; {fix}.")


def activation_name(keras, fn, layer):
    """The name of ``fn`` if it is Keras's own activation of that name, else a ``ValueError``."""
    for name in activations.ACTIVATIONS:
        if getattr(keras.activations, name, None) is fn:
            return name
    return _refuse(f"layer {layer.name!r} uses the activation", fn,
                   "use a Keras activation by name, e.g. activation='relu'")


def check_layer(keras, layer):
    """Refuse a layer whose class is not exactly Keras's, or whose activations are custom."""
    cls = type(layer)
    if getattr(keras.layers, cls.__name__, None) is not cls:
        _refuse(f"layer {layer.name!r} is of class", cls,
                f"build the model from keras.layers.{cls.__name__} itself")
    for attr in ("activation", "recurrent_activation"):
        fn = getattr(layer, attr, None)
        if callable(fn):
            activation_name(keras, fn, layer)


def loss_name(keras, loss):
    """The tinynet name of a Keras loss given as a name, Keras's function or Keras's class."""
    if isinstance(loss, str):
        return loss
    for name in losses.LOSSES:
        if getattr(keras.losses, name, None) is loss:
            return name
    cls = type(loss)
    if getattr(keras.losses, cls.__name__, None) is cls and hasattr(loss, "get_config"):
        for option, value in loss.get_config().items():
            if option in LOSS_OFF and value != LOSS_OFF[option]:
                raise ValueError(f"from_keras: the loss {cls.__name__} uses "
                                 f"{option}={value!r}, which tinynet does not support.")
        name = utils.snake_case(cls.__name__)
        if name in losses.LOSSES:
            return name
    if not callable(loss):
        raise ValueError(f"from_keras: tinynet takes one loss for one output, got {loss!r}.")
    return _refuse("the loss", loss if not hasattr(loss, "get_config") else cls,
                   f"compile with one of {', '.join(losses.LOSSES)} by name")


def metric_name(keras, metric):
    """The tinynet name of a Keras metric given as a name, Keras's function or Keras's class."""
    if isinstance(metric, str):
        return metric
    for name in metrics_module.METRICS:
        if getattr(keras.metrics, name, None) is metric:
            return name
    cls = type(metric)
    if getattr(keras.metrics, cls.__name__, None) is cls and hasattr(metric, "get_config"):
        name = utils.snake_case(cls.__name__)
        options = {k: v for k, v in metric.get_config().items() if k not in ("name", "dtype")}
        # keras.metrics.Accuracy compares values for equality: not the string 'accuracy'
        if options or name not in metrics_module.METRICS or name == "accuracy":
            raise ValueError(f"from_keras: the metric {metric.name!r} ({cls.__name__}"
                             f"{', ' + str(options) if options else ''}) has no tinynet twin.")
        return name
    return _refuse("the metric", metric if not hasattr(metric, "get_config") else cls,
                   "compile with a Keras metric by name, e.g. metrics=['accuracy']")


def check_input_shape(shape):
    """The per-sample shape of a Keras model, which tinynet needs fully known."""
    shape = tuple(shape)
    if any(d is None for d in shape):
        raise ValueError(f"from_keras: the model's input shape {shape} has sizes left open "
                         "(None); tinynet builds fixed-size weights and needs every size. Give "
                         "the Keras model a full Input shape, e.g. keras.Input((28, 28, 1)).")
    return shape


def check_name(layer):
    """A tinynet layer name that Keras accepts (Keras forbids '/', its path separator)."""
    if "/" in layer.name:
        raise ValueError(f"to_keras: layer name {layer.name!r} contains '/', which Keras does not "
                         "allow in names. Rename the layer, e.g. name="
                         f"{layer.name.replace('/', '_')!r}.")
