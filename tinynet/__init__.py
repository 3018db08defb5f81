"""tinynet: a deep-learning framework in plain NumPy, with every backward pass written out."""

__version__ = "0.1.0"
