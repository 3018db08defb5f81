"""Accuracy metrics, with Keras's rule for what the string ``'accuracy'`` means."""

import numpy as np

from tinynet import utils


# correct = [p > 0.5] == t
def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true = np.reshape(y_true, y_pred.shape)
    return float(np.mean((y_pred > threshold) == (y_true > threshold)))


# correct = argmax p == label
def sparse_categorical_accuracy(y_true, y_pred):
    return float(np.mean(y_pred.argmax(axis=-1) == np.reshape(y_true, -1)))


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


def get(name, y_true_shape, y_pred_shape):
    """The metric function for ``name``; ``'accuracy'`` is picked as Keras picks it.

    One output unit → binary accuracy (threshold 0.5); targets of lower rank than the
    output, or a trailing 1 against several units → sparse; otherwise categorical.
    """
    fn = utils.lookup("metric", name, METRICS)
    if fn is not None:
        return fn
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return sparse_categorical_accuracy
    return categorical_accuracy
