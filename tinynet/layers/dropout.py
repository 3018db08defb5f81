"""Dropout: inverted dropout, which zeroes units in training and rescales the survivors."""

import numbers

import numpy as np

from tinynet import utils, validation
from tinynet.layers.base import Layer


class Dropout(Layer):
    """Inverted dropout, as ``keras.layers.Dropout``.

    In training, each unit is kept independently when a uniform draw ``u ∈ [0, 1)`` has
    ``u ≥ rate`` (TensorFlow's rule), so it is dropped with probability ``rate`` and the
    expected kept fraction is ``1 − rate``. Survivors are scaled by ``1 / (1 − rate)`` so the
    expected output equals the input. With ``training=False`` the layer is the identity.
    Keras also accepts ``rate=1`` (all zeros); tinynet rejects it, since nothing could learn.
    Textbook twin, with the derivation: ``tinynet/textbook/dropout.py``.

    Set ``layer.fixed_mask`` to a boolean keep-mask of the input's shape to use it instead
    of a random draw (for parity tests); set it back to ``None`` to draw again.

    Args:
        rate: fraction of units to drop, a float in ``[0, 1)``.
        seed: an int; the layer then owns ``np.random.default_rng(seed)``. With ``None`` it
            draws from tinynet's global generator (``tinynet.utils.set_random_seed``).
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``input_dim``.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            raise ValueError(f"{self.name}: rate must be a float in [0, 1), got {rate!r}. "
                             "It is the fraction of units dropped, e.g. Dropout(0.2).")
        if seed is not None:
            seed = validation.check_int(seed, f"{self.name}: seed", example="seed=0",
                                        none_ok=True)
            if seed < 0:  # NumPy's generators take no negative seed
                raise ValueError(f"{self.name}: seed must be an int >= 0 or None, got {seed}. "
                                 "Pass e.g. seed=0.")
        self.rate = float(rate)
        self.seed = seed
        self.fixed_mask = None
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _keep(self, shape):
        """A boolean keep-mask: ``fixed_mask`` if set, else ``u ≥ rate`` for float32 ``u``."""
        if self.fixed_mask is not None:
            keep = np.asarray(self.fixed_mask, dtype=bool)
            if keep.shape != shape:
                raise ValueError(f"{self.name}: fixed_mask has shape {keep.shape}, the input "
                                 f"has {shape}. Set a mask of the input's shape, or None.")
            return keep
        rng = utils.rng() if self._rng is None else self._rng
        return rng.random(shape, dtype=np.float32) >= self.rate

    # y = x ⊙ mask,   mask = [u ≥ rate] / (1 − rate)   in training; y = x otherwise
    def forward(self, x, training=False):
        x = self._prepare(x)
        if not training or (self.rate == 0 and self.fixed_mask is None):
            self.mask = None
            return x
        self.mask = self._keep(x.shape) * self.dtype.type(1 / (1 - self.rate))
        return x * self.mask

    # dx = dy ⊙ mask
    def backward(self, dy):
        return dy if self.mask is None else dy * self.mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
