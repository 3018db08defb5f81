"""Glorot and He draws: Keras's limits and variances for Dense and Conv2D kernels, through the
layers that use them by default (NumPy only)."""

import numpy as np
import pytest

from tinynet import initializers
from tinynet import layers as L

# (shape, fan_in, fan_out): a Dense kernel (in, out), and a Conv2D kernel (kh, kw, in, out)
# whose fans include the receptive field kh·kw
SHAPES = [((300, 200), 300, 200), ((3, 3, 20, 40), 180, 360)]


def draw(name, shape, seed=0):
    return initializers.get(name)(shape, np.random.default_rng(seed))


@pytest.mark.parametrize(("shape", "fan_in", "fan_out"), SHAPES)
@pytest.mark.parametrize(("name", "limit"), [
    ("glorot_uniform", lambda i, o: np.sqrt(6 / (i + o))),
    ("he_uniform", lambda i, o: np.sqrt(6 / i)),
])
def test_uniform_draws_fill_exactly_their_limit(name, limit, shape, fan_in, fan_out):
    w, bound = draw(name, shape), limit(fan_in, fan_out)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.05)  # the variance of U(−L, L)


@pytest.mark.parametrize(("shape", "fan_in", "fan_out"), SHAPES)
@pytest.mark.parametrize(("name", "variance"), [
    ("glorot_normal", lambda i, o: 2 / (i + o)),
    ("he_normal", lambda i, o: 2 / i),
])
def test_normal_draws_keep_their_variance_after_truncation(name, variance, shape, fan_in,
                                                            fan_out):
    w = draw(name, shape)
    assert w.var() == pytest.approx(variance(fan_in, fan_out), rel=0.05)


def test_dense_and_conv2d_default_to_glorot_uniform_with_keras_fans():
    dense = L.Dense(200, input_dim=300)
    conv = L.Conv2D(40, (3, 3), input_shape=(8, 8, 20))
    for layer, bound in ((dense, np.sqrt(6 / 500)), (conv, np.sqrt(6 / 540))):
        layer.build(layer.input_shape)
        kernel = layer.get_weights()[0]
        assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.98 * bound
        np.testing.assert_array_equal(layer.get_weights()[1], 0)  # bias: zeros
