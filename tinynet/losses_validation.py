"""Checks that a loss's targets fit the model's output, run once before training.

Kept apart from ``losses.py`` so that file reads as the math. Each ``Loss`` names the kind
of targets it takes (``Loss.targets``); ``check_targets`` dispatches on it and returns the
targets ready for the loss, or raises a ``ValueError`` that says what to fix.
"""

import numpy as np

from tinynet import validation


def check_targets(loss, y_true, y_pred_shape, dtype="float32"):
    """``y_true`` checked against the full output shape for ``loss`` and converted."""
    check = CHECKS.get(loss.targets)
    if check is None:
        raise ValueError(f"{loss.name}: unknown kind of targets {loss.targets!r}; use one of "
                         f"{sorted(CHECKS)}.")
    return check(loss.name, y_true, tuple(y_pred_shape), dtype)


def _numbers(y_true, loss):
    """Targets as a finite numeric array, or a ValueError that says what to fix."""
    y = np.asarray(y_true)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{loss}: targets must be numbers, got an array of dtype {y.dtype}. "
                         "Convert them with np.asarray(y, dtype='float32').")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{loss}: targets must be finite, got {np.sum(~np.isfinite(y))} NaN "
                         "or inf values. Drop or impute those samples first.")
    return y


def _same_shape(y, shape, loss):
    """Targets shaped like the output; ``(N,)`` is accepted for ``(N, 1)``, as Keras does."""
    if y.shape == shape:
        return y
    if shape[-1] == 1 and y.shape == shape[:-1]:
        return y.reshape(shape)
    raise ValueError(f"{loss}: expected targets of shape {shape} (the model's output), got "
                     f"{y.shape}. Reshape the targets or change the last layer's units.")


def values(loss, y_true, shape, dtype):
    """Any finite numbers shaped like the output (mean squared error)."""
    y = _numbers(y_true, loss)
    with np.errstate(over="ignore"):  # a finite target beyond float32 says so, below
        cast = _same_shape(y, shape, loss).astype(dtype)
    return validation.check_finite(cast, "y", loss, original=y)


def binary(loss, y_true, shape, dtype):
    """Numbers in [0, 1] shaped like the output (binary cross-entropy)."""
    y = values(loss, y_true, shape, dtype)
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"{loss}: targets must lie in [0, 1], got values from "
                         f"{y.min():g} to {y.max():g}. Use 0/1 labels, or "
                         "'sparse_categorical_crossentropy' for class indices.")
    return y


def one_hot(loss, y_true, shape, dtype):
    """One row per sample over the classes (categorical cross-entropy)."""
    y = _numbers(y_true, loss)
    if shape[-1] > 1 and y.shape in (shape[:-1], (*shape[:-1], 1)):
        raise ValueError(f"{loss}: expected one-hot targets of shape {shape}, got "
                         f"{y.shape}, which look like class labels. Use "
                         "loss='sparse_categorical_crossentropy', or one-hot encode them.")
    if y.shape[:-1] == shape[:-1] and y.ndim == len(shape) and y.shape != shape:
        raise ValueError(f"{loss}: one-hot targets have {y.shape[-1]} columns but the "
                         f"model outputs {shape[-1]} classes. Give the last layer "
                         f"{y.shape[-1]} units, or encode the targets with {shape[-1]}.")
    return _same_shape(y, shape, loss).astype(dtype)


def labels(loss, y_true, shape, dtype):
    """Integer class indices as int64 of shape ``(N,)``; ``dtype`` is unused."""
    y, classes = _numbers(y_true, loss), shape[-1]
    if y.shape not in (shape[:-1], (*shape[:-1], 1)):
        hint = ("They look one-hot: use loss='categorical_crossentropy', or "
                "np.argmax(y, axis=-1)." if y.shape == shape else "Reshape them.")
        raise ValueError(f"{loss}: expected integer labels of shape {shape[:-1]} or "
                         f"{(*shape[:-1], 1)}, got {y.shape}. {hint}")
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise ValueError(f"{loss}: labels must be integers (class indices), got "
                         f"non-integer values such as {y[y != np.round(y)].flat[0]:g}. Use "
                         "loss='categorical_crossentropy' for soft targets.")
    if y.size and (y.min() < 0 or y.max() >= classes):
        lo, hi = float(y.min()), float(y.max())
        raise ValueError(f"{loss}: labels must lie in [0, {classes}), got values from "
                         f"{lo:g} to {hi:g}. Give the last layer one unit per class, or "
                         "re-map the labels to 0, 1, 2, ...")
    return y.reshape(shape[:-1]).astype(np.int64)


CHECKS = {"values": values, "binary": binary, "one_hot": one_hot, "labels": labels}
