"""Layer and loss cases drawn by hypothesis, shared by the NumPy-only gradient checks and the
Keras parity modules. NumPy only: importing this never imports TensorFlow."""

import numpy as np
from hypothesis import strategies as st

from tinynet import losses

ACTIVATIONS = [None, "relu", "tanh", "sigmoid", "softmax"]


@st.composite
def dense_cases(draw):
    """Dense kwargs and an input shape: rank 2 or 3 (Dense acts on the last axis)."""
    activation = draw(st.sampled_from(ACTIVATIONS))
    units = draw(st.integers(2 if activation == "softmax" else 1, 4))  # softmax over 1 is 1
    inner = draw(st.lists(st.integers(1, 3), max_size=1))
    shape = (draw(st.integers(1, 3)), *inner, draw(st.integers(1, 4)))
    kwargs = {"units": units, "activation": activation, "use_bias": draw(st.booleans())}
    return kwargs, shape, draw(st.integers(0, 2**16))


@st.composite
def conv_cases(draw, max_hw=7, max_channels=3):
    """Constructor kwargs and an input shape that fits them: small, odd, strided, padded."""
    kernel = draw(st.sampled_from([(1, 1), (3, 3), (5, 5), (2, 3), (3, 1)]))
    strides = draw(st.sampled_from([(1, 1), (2, 2), (1, 2), (3, 2)]))
    padding = draw(st.sampled_from(["valid", "same"]))
    least = kernel if padding == "valid" else (1, 1)
    h = draw(st.integers(least[0], max(least[0], max_hw)))
    w = draw(st.integers(least[1], max(least[1], max_hw)))
    shape = (draw(st.integers(1, 3)), h, w, draw(st.integers(1, max_channels)))
    activation = draw(st.sampled_from(ACTIVATIONS))
    filters = draw(st.integers(2 if activation == "softmax" else 1, 4))
    kwargs = {"filters": filters, "kernel_size": kernel, "strides": strides, "padding": padding,
              "activation": activation, "use_bias": draw(st.booleans())}
    return kwargs, shape, draw(st.integers(0, 2**16))


@st.composite
def pool_cases(draw, max_hw=8, tiled=False):
    """Constructor kwargs and a fitting input shape; ``tiled`` draws only reshape-path cases."""
    pool = draw(st.sampled_from([(1, 1), (2, 2), (3, 3), (2, 3), (3, 1)]))
    strides = None if tiled else draw(st.sampled_from([None, (1, 1), (2, 2), (1, 3), pool]))
    padding = draw(st.sampled_from(["valid", "same"]))
    if tiled and padding == "same":  # 'same' tiles only when the pool divides the input
        h, w = (pool[i] * draw(st.integers(1, max_hw // pool[i] or 1)) for i in range(2))
    else:
        least = pool if padding == "valid" else (1, 1)
        h, w = (draw(st.integers(least[i], max(least[i], max_hw))) for i in range(2))
    shape = (draw(st.integers(1, 3)), h, w, draw(st.integers(1, 3)))
    return {"pool_size": pool, "strides": strides, "padding": padding}, shape, draw(
        st.integers(0, 2**16))


# -- losses -------------------------------------------------------------------------------------
MSE, BCE = losses.MeanSquaredError, losses.BinaryCrossentropy
CCE, SCCE = losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy
ALL_LOSSES = [MSE, BCE, CCE, SCCE]
FUSED_LOSSES = [BCE, CCE, SCCE]

# (N,), optionally one inner axis, then classes/units: (N, C) or (N, T, C)
loss_shapes = st.tuples(st.integers(1, 4), st.lists(st.integers(1, 3), max_size=1),
                        st.integers(2, 5)).map(lambda s: (s[0], *s[1], s[2]))


def targets(cls, shape, rng, dtype=np.float64):
    """Valid targets: soft 0..1 for BCE, distributions (rows sum to 1) for CCE, labels for SCCE."""
    if cls is SCCE:
        return rng.integers(0, shape[-1], shape[:-1])
    if cls is CCE:
        return rng.dirichlet(np.ones(shape[-1]), shape[:-1]).astype(dtype)
    if cls is BCE:
        return rng.random(shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def predictions(cls, shape, rng, dtype=np.float64):
    """Predictions well inside the clip: probabilities in [0.05, 0.95] (unnormalized for CCE)."""
    if cls is MSE:
        return rng.standard_normal(shape).astype(dtype)
    return rng.uniform(0.05, 0.95, shape).astype(dtype)
