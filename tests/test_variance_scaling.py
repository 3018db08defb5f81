"""lecun_uniform, lecun_normal and VarianceScaling: Keras's scales, fans and truncation."""

import numpy as np
import pytest

from tinynet import initializers
from tinynet.initializers import VarianceScaling

SHAPE = (3, 3, 40, 500)  # a Conv2D kernel: fan_in = 360, fan_out = 4500; 180,000 draws


def draw(init, shape=SHAPE, seed=0):
    return initializers.get(init)(shape, np.random.default_rng(seed))


def test_lecun_uniform_is_uniform_within_sqrt_3_over_fan_in():
    w = draw("lecun_uniform")
    limit = np.sqrt(3 / 360)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert w.var() == pytest.approx(1 / 360, rel=0.02)


def test_lecun_normal_is_truncated_at_two_stddevs_of_the_inflated_normal():
    w = draw("lecun_normal")
    inflated = np.sqrt(1 / 360) / 0.87962566103423978  # so the truncated draw keeps 1/fan_in
    assert np.abs(w).max() <= 2 * inflated and np.abs(w).max() > 1.95 * inflated
    assert w.var() == pytest.approx(1 / 360, rel=0.02)


@pytest.mark.parametrize("mode, n", [("fan_in", 360), ("fan_out", 4500), ("fan_avg", 2430)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "untruncated_normal",
                                          "uniform"])
def test_variance_scaling_has_variance_scale_over_n(mode, n, distribution):
    w = draw(VarianceScaling(2.0, mode, distribution))
    assert w.var() == pytest.approx(2.0 / n, rel=0.02)
    assert w.mean() == pytest.approx(0.0, abs=0.01 * np.sqrt(2.0 / n))


def test_by_name_variance_scaling_has_keras_defaults():
    a = draw("variance_scaling", seed=3)
    b = draw(VarianceScaling(1.0, "fan_in", "truncated_normal"), seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(draw("lecun_normal", seed=3), b)


def test_a_fan_below_one_counts_as_one_as_in_keras():
    w = draw(VarianceScaling(1.0, "fan_in", "uniform"), shape=(0, 5))
    assert w.shape == (0, 5)
    assert np.abs(draw(VarianceScaling(1.0, "fan_in", "uniform"), shape=())).max() <= np.sqrt(3)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"scale": 0}, "scale must be a positive number"),
    ({"mode": "fan_sum"}, "mode must be one of"),
    ({"distribution": "cauchy"}, "distribution one of"),
])
def test_bad_arguments_are_refused(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        VarianceScaling(**kwargs)
