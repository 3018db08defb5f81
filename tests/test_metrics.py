"""Which function 'accuracy' means, as Keras decides it, and each metric's value by hand
(NumPy only)."""

import numpy as np
import pytest

from tinynet import metrics

P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]], "f4")
LABELS = np.array([0, 1, 1, 2])  # argmax of P is [0, 2, 1, 2]: 3 of 4 right


@pytest.mark.parametrize(("y_shape", "p_shape", "expected"), [
    ((4,), (4, 3), metrics.sparse_categorical_accuracy),
    ((4, 1), (4, 3), metrics.sparse_categorical_accuracy),  # a column of labels
    ((4, 3), (4, 3), metrics.categorical_accuracy),  # one-hot
    ((4, 1), (4, 1), metrics.binary_accuracy),  # one unit
    ((4,), (4, 1), metrics.binary_accuracy),
])
def test_accuracy_resolves_as_keras_does(y_shape, p_shape, expected):
    for name in ("accuracy", "acc"):
        assert metrics.get(name, y_shape, p_shape) is expected


def test_values_by_hand():
    assert metrics.sparse_categorical_accuracy(LABELS, P) == 0.75
    assert metrics.sparse_categorical_accuracy(LABELS[:, None], P) == 0.75
    assert metrics.categorical_accuracy(np.eye(3)[LABELS], P) == 0.75
    assert metrics.binary_accuracy(np.array([1, 0, 1, 1]), np.array([[.6], [.4], [.2], [.9]])) \
        == 0.75
    t = np.array([[1.0], [0.0]])
    p = np.array([[0.5], [0.5]])
    assert metrics.mean_squared_error(t, p) == 0.25 and metrics.mean_absolute_error(t, p) == 0.5


def test_sparse_accuracy_on_sequence_outputs():
    """Labels (N, T) against probabilities (N, T, C), as Embedding → GRU(return_sequences) →
    Dense(softmax) produces: one comparison per time step (it raised a broadcast error)."""
    y_pred = np.zeros((2, 3, 4))
    y_pred[0, :, 1] = y_pred[1, :, 2] = 1
    y_true = np.array([[1, 1, 0], [2, 3, 2]])
    assert metrics.sparse_categorical_accuracy(y_true, y_pred) == pytest.approx(4 / 6)
