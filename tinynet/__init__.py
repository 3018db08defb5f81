"""tinynet: a deep-learning framework in plain NumPy, with every backward pass written out."""

from tinynet import (
                     activations,
                     callbacks,
                     initializers,
                     layers,
                     losses,
                     metrics,
                     models,
                     optimizers,
                     saving,
                     utils,
)
from tinynet.models import load_model
from tinynet.perceptron import Perceptron
from tinynet.sequential import Sequential

__version__ = "0.1.0"
__all__ = ["Perceptron", "Sequential", "activations", "callbacks", "initializers", "layers",
           "load_model", "losses", "metrics", "models", "optimizers", "saving", "utils"]
