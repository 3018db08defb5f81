"""Optimizers: each ``update_step`` is one paper's update rule, as in ``keras/src/optimizers``.

Read an update rule first (``sgd.py``, then ``adam.py``); ``base.py`` holds the loop around them.
"""

from tinynet import utils
from tinynet.optimizers.adadelta import Adadelta
from tinynet.optimizers.adagrad import Adagrad
from tinynet.optimizers.adam import Adam
from tinynet.optimizers.base import CLIP_KEYS, Optimizer
from tinynet.optimizers.rmsprop import RMSprop
from tinynet.optimizers.sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Optimizer", "RMSprop", "deserialize", "get"]

# Keras's base-optimizer options with the values that switch them off. tinynet implements
# none of them (apart from clipping, CLIP_KEYS), so a Keras config may carry them only switched
# off; ``name`` and ``ema_momentum`` (used only with ``use_ema``) change nothing.
KERAS_OFF = {"weight_decay": None, "use_ema": False, "ema_overwrite_frequency": None,
             "loss_scale_factor": None, "gradient_accumulation_steps": None}
KERAS_INERT = ("name", "ema_momentum")

OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
              "adam": Adam}


def get(identifier):
    """An optimizer from a name (``'adam'``), a ``get_config()`` dict, or an instance as is."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return utils.lookup("optimizer", identifier, OPTIMIZERS)()


def deserialize(config):
    """Rebuild an optimizer from ``{"class_name": "Adam", "config": {...}}``.

    Takes what ``get_config()`` returns and also ``keras.optimizers.serialize(opt)``.
    """
    if not (isinstance(config, dict) and "class_name" in config
            and isinstance(config.get("config", {}), dict)):
        raise ValueError("deserialize expects {'class_name': 'Adam', 'config': {...}} as "
                         f"get_config() returns it, got {config!r}.")
    cls = utils.lookup("optimizer", config["class_name"], OPTIMIZERS)
    args = {k: v for k, v in config.get("config", {}).items() if k not in KERAS_INERT}
    switched_on = sorted(k for k, off in KERAS_OFF.items() if args.pop(k, off) != off)
    if switched_on:
        raise ValueError(f"deserialize: the config turns on Keras's {switched_on}, which tinynet "
                         "does not implement. Set them to None/False, or train without them.")
    unknown = sorted(set(args) - set(cls.config_keys) - set(CLIP_KEYS))
    if unknown:
        raise ValueError(f"deserialize: {cls.__name__} takes {list(cls.config_keys)}, got the "
                         f"unknown arguments {unknown}. Remove them from the config.")
    return cls(**args)
