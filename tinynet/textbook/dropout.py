"""Inverted dropout: zero each unit with probability ``rate``, scale the rest by ``1/(1 − rate)``.

In training, each unit draws ``u ~ U[0, 1)`` and is kept when ``u ≥ rate`` (TF's rule), so
it is kept with probability ``q = 1 − rate``. With ``mask = [u ≥ rate] / q``:

    y = x ⊙ mask,     E[y] = x·(q·(1/q) + (1 − q)·0) = x,

so the next layer sees the same expected input in training and at inference, where dropout
is the identity and nothing needs rescaling. (The original paper scaled the weights by ``q``
at test time instead; "inverted" moves the scaling into training.)

Backward: ``y`` is ``x`` times a constant (the mask, fixed once drawn), so
``∂y/∂x = mask`` and ``dx = dy ⊙ mask``: dropped units pass no gradient.

Fast form: ``tinynet/layers/dropout.py``.
"""

import numpy as np


# mask = [u ≥ rate] / (1 − rate)     y = x ⊙ mask
def dropout(x, rate, rng=None, keep=None):
    """``(y, mask)`` in training; ``keep`` (booleans) replaces the random draw if given."""
    if keep is None:
        rng = rng or np.random.default_rng()
        keep = rng.random(x.shape) >= rate
    mask = keep / (1 - rate)
    return x * mask, mask


# dx = dy ⊙ mask
def dropout_backward(dy, mask):
    return dy * mask
