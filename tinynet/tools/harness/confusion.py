"""Where a classifier errs: its confusion matrix on the test set and the most-confused pairs."""

import numpy as np

from tinynet.datasets.mnist import load_data

QUICK_TEST = 1000  # `--quick` tests on the first 1,000 test images, as the listings do


def test_set(quick):
    """MNIST's test images as uint8 (the first 1,000 under ``--quick``) and their labels."""
    _, (images, labels) = load_data()
    if quick:
        images, labels = images[:QUICK_TEST], labels[:QUICK_TEST]
    return images, labels


def predicted_classes(model, framework, images):
    """``argmax`` of the model's softmax on ``images``, scaled by 1/255 as both listings do.

    The images take the model's own input shape: (28, 28) for the MLP, (28, 28, 1) for
    the CNN. Keras's ``input_shape`` starts with the batch axis; tinynet's does not.
    """
    shape = tuple(model.input_shape[1:] if framework == "keras" else model.input_shape)
    x = images.reshape((len(images), *shape)) / 255.0
    return np.argmax(model.predict(x, batch_size=500, verbose=0), axis=-1)


def matrix(labels, predicted, classes=10):
    """``m[true, predicted]`` = how many test images of class ``true`` got ``predicted``."""
    m = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(m, (np.asarray(labels), np.asarray(predicted)), 1)
    return m


def most_confused(m, top=5):
    """The ``top`` off-diagonal cells, largest first: ``[[true, predicted, count], ...]``."""
    off = np.array(m, copy=True)
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:top]
    return [[int(t), int(p), int(off[t, p])] for t, p in zip(*np.unravel_index(order, m.shape),
                                                            strict=True) if off[t, p] > 0]


def attach(result, framework, images, labels):
    """Add ``confusion_matrix`` and ``most_confused`` to a run's result, from its fitted model."""
    m = matrix(labels, predicted_classes(result["models"][-1], framework, images))
    result["confusion_matrix"] = m.tolist()
    result["most_confused"] = most_confused(m)
    return m
