"""Weight initializers with Keras's names, defaults and fan computation."""

import contextlib
import math

import numpy as np

from tinynet import utils


def compute_fans(shape):
    """Keras's fans: Dense ``(in, out)``; Conv ``(kh, kw, in, out)`` → ``kh·kw·in, kh·kw·out``."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return receptive * shape[-2], receptive * shape[-1]


# L = sqrt(6 / (fan_in + fan_out)),  W ~ U(−L, L)
def glorot_uniform(shape, rng):
    fan_in, fan_out = compute_fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


# σ = sqrt(2 / (fan_in + fan_out)),  W ~ a normal truncated so its std is σ (cut at ≈ 2.27σ)
def glorot_normal(shape, rng):
    fan_in, fan_out = compute_fans(shape)
    return _truncated_normal(shape, np.sqrt(2.0 / (fan_in + fan_out)), rng)


# L = sqrt(6 / fan_in),  W ~ U(−L, L)
def he_uniform(shape, rng):
    fan_in, _ = compute_fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, shape)


# σ = sqrt(2 / fan_in),  W ~ a normal truncated so its std is σ (cut at ≈ 2.27σ)
def he_normal(shape, rng):
    fan_in, _ = compute_fans(shape)
    return _truncated_normal(shape, np.sqrt(2.0 / fan_in), rng)


def zeros(shape, rng):
    return np.zeros(shape)


def ones(shape, rng):
    return np.ones(shape)


# Keras defaults: RandomNormal(mean=0, stddev=0.05), RandomUniform(−0.05, 0.05)
def random_normal(shape, rng):
    return rng.normal(0.0, 0.05, shape)


def random_uniform(shape, rng):
    return rng.uniform(-0.05, 0.05, shape)


class VarianceScaling:
    """Draws with variance ``scale / n``, as ``keras.initializers.VarianceScaling``.

    Args:
        scale: the variance's numerator, a positive number.
        mode: ``n`` is ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'`` (their mean), at least 1.
        distribution: ``'truncated_normal'`` (``'normal'`` is the same, as in Keras),
            ``'untruncated_normal'`` or ``'uniform'`` (limit ``sqrt(3·scale / n)``).
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal"):
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
            raise ValueError(f"VarianceScaling: scale must be a positive number, got {scale!r}.")
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if mode not in self.MODES or distribution not in self.DISTRIBUTIONS:
            raise ValueError(
                f"VarianceScaling: mode must be one of {self.MODES} and distribution one of "
                f"{self.DISTRIBUTIONS} (or 'normal'), got {mode!r} and {distribution!r}.")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    # σ² = scale / n:  U(±sqrt(3σ²)), N(0, σ²), or N(0, σ²) truncated as below
    def __call__(self, shape, rng):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, np.sqrt(variance), shape)
        return _truncated_normal(shape, np.sqrt(variance), rng)


# variance_scaling by name: Keras's defaults (scale 1, fan_in, truncated normal)
def variance_scaling(shape, rng):
    return VarianceScaling()(shape, rng)


# L = sqrt(3 / fan_in),  W ~ U(−L, L)
def lecun_uniform(shape, rng):
    return VarianceScaling(1.0, "fan_in", "uniform")(shape, rng)


# σ = sqrt(1 / fan_in),  W ~ N(0, σ²) truncated as glorot_normal's
def lecun_normal(shape, rng):
    return VarianceScaling(1.0, "fan_in", "truncated_normal")(shape, rng)


def _truncated_normal(shape, stddev, rng):
    # W ~ N(0, s²) cut at ±2s, with s = σ / 0.8796: the cut shrinks the std to 0.8796·s = σ,
    # so W keeps the target σ (Keras's rule). The cut lies at 2s ≈ 2.27σ, not at 2σ.
    stddev = stddev / 0.87962566103423978
    w = rng.normal(0.0, stddev, shape)
    bad = np.abs(w) > 2 * stddev
    while bad.any():  # redraw the tails until every value lies within 2s
        w[bad] = rng.normal(0.0, stddev, bad.sum())
        bad = np.abs(w) > 2 * stddev
    return w


# Saxe et al. 2014: Q of a normal draw's QR, each column's sign set by diag(R) (Keras's rule)
def orthogonal(shape, rng):
    """An orthogonal matrix: orthonormal columns if tall, rows if wide; rank > 2 flattened."""
    if len(shape) < 2:
        raise ValueError(f"orthogonal: needs a shape of rank >= 2, got {tuple(shape)}.")
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    q, r = np.linalg.qr(rng.normal(0.0, 1.0, (max(rows, cols), min(rows, cols))))
    q *= np.sign(np.diag(r))  # makes the factorization unique, so Q is uniformly distributed
    return np.ascontiguousarray((q.T if rows < cols else q).reshape(shape))


INITIALIZERS = {
    f.__name__: f
    for f in (glorot_uniform, glorot_normal, he_uniform, he_normal, zeros, ones,
              random_normal, random_uniform, variance_scaling, lecun_uniform, lecun_normal,
              orthogonal)
}


def get(name):
    """An initializer ``f(shape, rng) -> array`` by name; the error lists the valid names."""
    if callable(name):
        return name
    return utils.lookup("initializer", name, INITIALIZERS)


_budget = []  # while loading a file: the weights it holds, which building may not exceed


@contextlib.contextmanager
def budget(elements, source):
    """Inside the block, building may draw at most ``elements`` weights in total, else a
    ``ValueError`` is raised before the allocation (a file's config cannot force a huge one)."""
    _budget.append([elements, source])
    try:
        yield
    finally:
        _budget.pop()


def initialize(name, shape, dtype):
    """Draw a weight of ``shape`` in ``dtype`` with the named initializer."""
    shape = tuple(shape)
    if _budget:
        left, source = _budget[-1]
        if math.prod(shape) > left:
            raise ValueError(f"{source}: its config asks for a weight of shape {shape}, more "
                             f"than the {left:,} weights the file still holds. The config does "
                             "not match the file's arrays; the file is damaged or hostile.")
        _budget[-1][0] -= math.prod(shape)
    return np.asarray(get(name)(shape, utils.rng()), dtype=dtype)
