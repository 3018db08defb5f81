"""Accuracy metrics, with Keras's rule for what the string ``'accuracy'`` means."""

import numpy as np

from tinynet import utils


# correct = [p > 0.5] == t
def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true = np.reshape(y_true, y_pred.shape)
    return float(np.mean((y_pred > threshold) == (y_true > threshold)))


# correct = argmax p == label
def sparse_categorical_accuracy(y_true, y_pred):
    return float(np.mean(y_pred.argmax(axis=-1).reshape(-1) == np.reshape(y_true, -1)))


# correct = argmax p == argmax t
def categorical_accuracy(y_true, y_pred):
    return float(np.mean(y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)))


# mean (p − t)² and mean |p − t| over every entry
def mean_squared_error(y_true, y_pred):
    return float(np.mean((y_pred - np.reshape(y_true, y_pred.shape)) ** 2))


def mean_absolute_error(y_true, y_pred):
    return float(np.mean(np.abs(y_pred - np.reshape(y_true, y_pred.shape))))


METRICS = {
    "accuracy": None, "acc": None,  # resolved by the shapes, below
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mse": mean_squared_error, "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
}


def check_fit(name, fn, y_true_shape, y_pred_shape):
    """``fn`` if the targets have the form it needs, else a ``ValueError`` naming the metric that
    fits (checked before the first step, so a bad metric never follows a weight change)."""
    per_entry = y_true_shape == y_pred_shape or (
        y_pred_shape[-1] == 1 and y_true_shape == y_pred_shape[:-1])
    labels = y_pred_shape[-1] > 1 and y_true_shape in (y_pred_shape[:-1],
                                                       (*y_pred_shape[:-1], 1))
    if fn is sparse_categorical_accuracy:
        if labels:
            return fn
        fix = ("They look one-hot: use 'categorical_accuracy' (or 'accuracy')."
               if y_true_shape == y_pred_shape else "Pass class labels of shape (N,).")
    elif labels:
        fix = ("They are class labels: use 'sparse_categorical_accuracy' (or 'accuracy')"
               + (", or one-hot encode them." if fn is categorical_accuracy else "."))
    elif per_entry:
        return fn
    else:
        fix = "Reshape the targets like the model's output."
    raise ValueError(f"metric {name!r}: targets of shape {y_true_shape} do not fit outputs of "
                     f"shape {y_pred_shape}. {fix}")


def get(name, y_true_shape, y_pred_shape):
    """The metric function for ``name``; ``'accuracy'`` is picked as Keras picks it.

    One output unit → binary accuracy (threshold 0.5); targets of lower rank than the
    output, or a trailing 1 against several units → sparse; otherwise categorical.
    """
    fn = utils.lookup("metric", name, METRICS)
    if fn is not None:
        return check_fit(name, fn, tuple(y_true_shape), tuple(y_pred_shape))
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return sparse_categorical_accuracy
    return categorical_accuracy
