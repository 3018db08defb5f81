"""Losses with Keras's numerics: value, gradient, and the fused path from remembered logits.

Every ``gradient`` returns ``dy = ∂L/∂y_pred``, the ``dy`` the model's top layer receives.
Checking the targets is ``losses_validation.py``'s job.
"""

import numpy as np

from tinynet import losses_validation, utils

EPSILON = 1e-7  # keras.backend.epsilon(): probabilities are clipped to [ε, 1 − ε] before log


def _floats(a):
    """``a`` as an array of float32, or float64 if it already is (for gradient checks)."""
    a = np.asarray(a)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float32)


def _targets(y_true, y_pred):
    """Targets in ``y_pred``'s dtype; ``(N,)`` becomes ``(N, 1)`` as Keras expands it."""
    t = np.asarray(y_true, dtype=y_pred.dtype)
    return t[..., None] if t.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1 else t


def _labels(y_true, y_pred):
    """Integer labels shaped like ``y_pred`` without its class axis (``(N, 1)`` → ``(N,)``)."""
    y = np.asarray(y_true)
    return (y[..., 0] if y.ndim == y_pred.ndim else y).astype(np.int64, copy=False)


def _clip(p):
    """``clip(p, ε, 1 − ε)`` and where its gradient passes: inside, bounds included, as TF."""
    lo, hi = p.dtype.type(EPSILON), p.dtype.type(1 - EPSILON)
    return np.clip(p, lo, hi), (p >= lo) & (p <= hi)


def _log_softmax(z):
    """``log softmax(z)`` by log-sum-exp (shifted by max z, so exp never overflows), and softmax."""
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=-1, keepdims=True)
    return shifted - np.log(s), e / s


def _rows(a, labels):
    """``a`` as rows of classes, with the (row, label) index that picks each true class."""
    return a.reshape(-1, a.shape[-1]), (np.arange(labels.size), labels.reshape(-1))


class Loss:
    """Base class: ``validate`` the targets once, then ``__call__`` + ``gradient`` each step.

    When the model's output activation is ``fuses_with``, Keras computes the loss from the
    remembered logits instead, and the model calls ``from_logits`` in place of both.
    """

    name = None
    fuses_with = None  # "softmax" / "sigmoid": the activation whose logits are used instead
    targets = "values"  # what validate accepts: "values", "binary", "one_hot" or "labels"

    def validate(self, y_true, y_pred_shape, dtype="float32"):
        """Check targets against the full output shape and return them ready for the loss."""
        return losses_validation.check_targets(self, y_true, y_pred_shape, dtype)

    def __call__(self, y_true, y_pred):
        """The loss value, averaged over the batch (``sum_over_batch_size``)."""
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        """``dy`` = ∂L/∂y_pred, already divided by the batch size."""
        raise NotImplementedError

    def from_logits(self, y_true, z):
        """``(L, dz)`` from the logits ``z`` of the ``fuses_with`` activation, without clipping."""
        raise NotImplementedError(f"{self.name} has no fused path (fuses_with is None).")

    def __repr__(self):
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """``mean((y_pred − y_true)²)``, as ``keras.losses.MeanSquaredError``."""

    name = "mean_squared_error"

    # L = Σ (p − t)² / (N·units)
    def __call__(self, y_true, y_pred):
        p = _floats(y_pred)
        return float(np.mean(np.square(p - _targets(y_true, p))))

    # dy = 2(p − t) / (N·units)
    def gradient(self, y_true, y_pred):
        p = _floats(y_pred)
        return (p - _targets(y_true, p)) * (2 / p.size)


class BinaryCrossentropy(Loss):
    """Cross-entropy of independent 0/1 targets, as ``keras.losses.BinaryCrossentropy``."""

    name = "binary_crossentropy"
    fuses_with = "sigmoid"
    targets = "binary"

    # L = −mean(t·log p + (1 − t)·log(1 − p)),  p clipped to [ε, 1 − ε]
    def __call__(self, y_true, y_pred):
        p = _floats(y_pred)
        t, (c, _) = _targets(y_true, p), _clip(p)
        return float(-np.mean(t * np.log(c) + (1 - t) * np.log(1 - c)))

    # dy = ((1 − t)/(1 − p) − t/p) / (N·units) inside the clip, 0 outside
    def gradient(self, y_true, y_pred):
        p = _floats(y_pred)
        t, (c, inside) = _targets(y_true, p), _clip(p)
        return ((1 - t) / (1 - c) - t / c) * inside / p.size

    # L = mean(max(z, 0) − z·t + log(1 + e^−|z|)), the stable form of the lines above
    def from_logits(self, y_true, z):
        z = _floats(z)
        t, e = _targets(y_true, z), np.exp(-np.abs(z))
        value = float(np.mean(np.maximum(z, 0) - z * t + np.log1p(e)))
        sigmoid = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        # dz = (sigmoid(z) − t) / (N·units)
        return value, (sigmoid - t) / z.size


class CategoricalCrossentropy(Loss):
    """Cross-entropy of one-hot targets, as ``keras.losses.CategoricalCrossentropy``.

    Targets are distributions over the classes (rows sum to 1): the fused gradient
    ``softmax(z) − t`` assumes it, as TensorFlow's does.
    """

    name = "categorical_crossentropy"
    fuses_with = "softmax"
    targets = "one_hot"

    # L = −Σ t·log clip(p / Σp) averaged over samples (Keras renormalizes, then clips)
    def __call__(self, y_true, y_pred):
        p = _floats(y_pred)
        t, (c, _) = _targets(y_true, p), _clip(p / p.sum(axis=-1, keepdims=True))
        return float(-np.mean(np.sum(t * np.log(c), axis=-1)))

    # q = p/Σp:  dq = ∂L/∂q = −t/q inside the clip (0 outside),  dy = (dq − Σ dq·q) / Σp, over N
    def gradient(self, y_true, y_pred):
        p = _floats(y_pred)
        s = p.sum(axis=-1, keepdims=True)
        t, q = _targets(y_true, p), p / s
        c, inside = _clip(q)
        dq = -t / c * inside
        return (dq - np.sum(dq * q, axis=-1, keepdims=True)) / s / (p.size // p.shape[-1])

    # L = −Σ t·log softmax(z) averaged over samples, with log softmax by log-sum-exp
    def from_logits(self, y_true, z):
        """``(L, dz)`` at the logits. Why ``dz = (softmax(z) − t)/N``: with ``p = softmax(z)``,
        ``∂L/∂p_i = −t_i/(N·p_i)`` and ``∂p_i/∂z_k = p_i·(δ_ik − p_k)``, so the ``p_i`` cancel:
        ``dz_k = (p_k·Σ_i t_i − t_k)/N = (p_k − t_k)/N`` as each row of ``t`` sums to 1.
        Textbook twin, step by step: ``tinynet/textbook/softmax_ce.py``."""
        z = _floats(z)
        t, (log_p, p) = _targets(y_true, z), _log_softmax(z)
        n = z.size // z.shape[-1]
        # dz = (softmax(z) − t) / N
        return float(-np.sum(t * log_p) / n), (p - t) / n


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy of integer class labels, as ``keras.losses.SparseCategoricalCrossentropy``."""

    name = "sparse_categorical_crossentropy"
    fuses_with = "softmax"
    targets = "labels"  # validate gives int64 labels of shape (N,)

    # c = clip(p): L = log Σc − log c_t, TF's log-softmax of log c (it renormalizes after the clip)
    def __call__(self, y_true, y_pred):
        p = _floats(y_pred)
        labels, (c, _) = _labels(y_true, p), _clip(p)
        c2, pick = _rows(c, labels)
        return float(np.mean(np.log(c2.sum(axis=-1)) - np.log(c2[pick])))

    # dy = (c/Σc − onehot) / c inside the clip, 0 outside, over N
    def gradient(self, y_true, y_pred):
        p = _floats(y_pred)
        labels, (c, inside) = _labels(y_true, p), _clip(p)
        q = c / c.sum(axis=-1, keepdims=True)
        q2, pick = _rows(q, labels)
        q2[pick] -= 1
        return q / c * inside / labels.size

    # L = mean(log Σ e^z − z_t), the true class picked by fancy indexing (no one-hot built)
    def from_logits(self, y_true, z):
        """``(L, dz)`` at the logits; ``dz = (softmax(z) − onehot)/N``, derived in
        ``CategoricalCrossentropy.from_logits`` (textbook twin: ``textbook/softmax_ce.py``)."""
        z = _floats(z)
        labels, (log_p, p) = _labels(y_true, z), _log_softmax(z)
        log_p2, pick = _rows(log_p, labels)
        p.reshape(log_p2.shape)[pick] -= 1  # softmax(z) − onehot, in place on a view
        # dz = (softmax(z) − onehot) / N
        return float(-np.mean(log_p2[pick])), p / labels.size


_CLASSES = (MeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy)
LOSSES = {cls.name: cls for cls in _CLASSES}
ALIASES = {"mse": MeanSquaredError, **{cls.__name__.lower(): cls for cls in _CLASSES}}


def get(name_or_loss):
    """A loss by Keras name, alias or class name; a ``Loss`` instance passes through."""
    if isinstance(name_or_loss, Loss):
        return name_or_loss
    return utils.lookup("loss function", name_or_loss, {**LOSSES, **ALIASES})()
