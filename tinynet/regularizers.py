"""Weight regularizers: a penalty on a weight added to the loss, as ``keras.regularizers``.

A layer keeps its regularizers in ``layer.regularizers`` (param key → regularizer), filled by
``attach``. ``Sequential`` adds ``Σ penalty(w)`` over the trainable layers to the loss it reports
and ``∂penalty/∂w`` to each ``grads[key]``, which is what Keras's ``compute_loss`` and
``GradientTape`` do. A frozen layer (``trainable = False``) is not penalized, as in Keras.

Keras casts each factor through a float32 tensor (``ops.cast`` of a Python float), so even for
float64 weights ``l2=0.1`` acts as 0.10000000149011612. tinynet does the same.
"""

import numpy as np

from tinynet import utils


def _factor(value, w):
    """The factor as Keras applies it: through float32, then the weight's dtype."""
    return w.dtype.type(np.float32(value))


def _check(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"regularizer: {name} must be a finite number >= 0, got {value!r}.")
    return float(value)


class L1L2:
    """``l1·Σ|w| + l2·Σw²``, as ``keras.regularizers.L1L2``.

    Args:
        l1: the L1 factor (Keras's default for this class is 0).
        l2: the L2 factor (Keras's default for this class is 0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)

    # penalty = l1·Σ|w| + l2·Σw²
    def __call__(self, w):
        penalty = w.dtype.type(0)
        if self.l1:
            penalty += _factor(self.l1, w) * np.sum(np.abs(w))
        if self.l2:
            penalty += _factor(self.l2, w) * np.sum(np.square(w))
        return penalty

    # ∂penalty/∂w = l1·sign(w) + 2·l2·w   (sign(0) = 0: TF's gradient of |w| at 0)
    def gradient(self, w):
        g = np.zeros_like(w)
        if self.l1:
            g += _factor(self.l1, w) * np.sign(w)
        if self.l2:
            g += 2 * _factor(self.l2, w) * w
        return g

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(L1L2):
    """``l1·Σ|w|``, as ``keras.regularizers.L1`` (default ``l1=0.01``)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2·Σw²``, as ``keras.regularizers.L2`` (default ``l2=0.01``); "weight decay"."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


# Keras's string identifiers: the class names and their snake_case ('l1l2', not 'l1_l2':
# Keras 3's docstring shows 'l1_l2', but its get() refuses that string).
REGULARIZERS = {"l1": L1, "l2": L2, "l1l2": L1L2}
CLASSES = {cls.__name__: cls for cls in (L1, L2, L1L2)}


def get(identifier):
    """A regularizer from ``None``, a name (``'l2'``), a config dict or a regularizer object."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    if isinstance(identifier, dict):
        cls = CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown regularizer {identifier.get('class_name')!r}. "
                             f"Valid classes: {', '.join(CLASSES)}.")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str) and identifier in CLASSES:
        return CLASSES[identifier]()
    return utils.lookup("regularizer", identifier, REGULARIZERS)()


def serialize(regularizer):
    """``{"class_name", "config"}``, or ``None``: what ``get`` reads back."""
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


# -- the hook a layer calls ---------------------------------------------------------------
def attach(layer, **regularizers):
    """Give ``layer`` its regularizers, keyed by param name: ``attach(self, kernel=...,
    bias=...)`` in a constructor; ``None`` entries are skipped. Recurrent layers pass
    ``recurrent_kernel=`` too."""
    layer.regularizers = {key: get(r) for key, r in regularizers.items() if r is not None}


def get_config(layer, *keys):
    """The ``<key>_regularizer`` entries of a layer's config, for those of ``keys`` it has."""
    return {f"{key}_regularizer": serialize(layer.regularizers[key])
            for key in keys if key in layer.regularizers}


def apply(layers):
    """Add every trainable layer's ``∂penalty/∂w`` to its ``grads``; return ``Σ penalty``.

    Call it after backward has filled ``grads``; the weights are those of the forward pass.
    """
    return penalty(layers, add_gradients=True)


def penalty(layers, add_gradients=False):
    """``Σ penalty(w)`` over the regularized weights of the trainable ``layers``."""
    total = 0.0
    for layer in layers:
        if not layer.trainable:
            continue
        for key, regularizer in layer.regularizers.items():
            w = layer.params.get(key)
            if w is None:  # e.g. a bias_regularizer with use_bias=False: Keras ignores it
                continue
            total += float(regularizer(w))
            if add_gradients:
                layer.grads[key] = layer.grads[key] + regularizer.gradient(w)
    return total
