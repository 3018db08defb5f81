"""Loss targets: losses_validation converts good ones and refuses bad ones by name. NumPy only."""

import numpy as np
import pytest
from cases import BCE, CCE, MSE, SCCE


# -- validate: conversions ------------------------------------------------------------------
def test_validate_converts_targets():
    labels = SCCE().validate(np.array([[0.0], [2.0], [1.0]]), (3, 3))
    assert labels.dtype == np.int64 and labels.tolist() == [0, 2, 1]
    assert SCCE().validate([1, 0], (2, 4)).shape == (2,)
    assert MSE().validate([1, 2, 3], (3, 1)).shape == (3, 1)
    assert BCE().validate(np.array([1, 0]), (2, 1), dtype="float64").dtype == np.float64
    one_hot = CCE().validate(np.eye(3, dtype=int), (3, 3))
    assert one_hot.dtype == np.float32 and one_hot.shape == (3, 3)


# -- validate: every bad-input message ------------------------------------------------------
@pytest.mark.parametrize("cls, y, shape, fragment", [
    (SCCE, [0.0, 1.5], (2, 3), "must be integers"),
    (SCCE, [0, 3], (2, 3), r"must lie in \[0, 3\), got values from 0 to 3"),
    (SCCE, [-1, 2], (2, 3), r"must lie in \[0, 3\), got values from -1 to 2"),
    (SCCE, np.eye(3)[[0, 1]], (2, 3), "look one-hot: use loss='categorical_crossentropy'"),
    (SCCE, [0, 1, 2], (2, 3), r"expected integer labels of shape \(2,\) or \(2, 1\)"),
    (SCCE, [0, np.nan], (2, 3), "must be finite"),
    (CCE, [0, 2], (2, 3), "look like class labels. Use loss='sparse_categorical_crossentropy'"),
    (CCE, np.eye(4)[[0, 1]], (2, 3), "have 4 columns but the model outputs 3 classes"),
    (CCE, np.eye(3)[[0, 1, 2]], (2, 3), r"expected targets of shape \(2, 3\)"),
    (BCE, [[0.0], [2.0]], (2, 1), r"must lie in \[0, 1\], got values from 0 to 2"),
    (BCE, [[0.0], [np.inf]], (2, 1), "must be finite"),
    (MSE, np.zeros((4, 2)), (4, 3), r"expected targets of shape \(4, 3\).*got \(4, 2\)"),
    (MSE, ["a", "b"], (2, 1), "targets must be numbers"),
])
def test_validate_rejects_bad_targets(cls, y, shape, fragment):
    with pytest.raises(ValueError, match=fragment):
        cls().validate(np.asarray(y), shape)


def test_a_custom_loss_gets_the_checks_its_targets_name():
    class Halved(MSE):
        name = "halved"

    assert Halved().validate([1, 2], (2, 1)).shape == (2, 1)
    with pytest.raises(ValueError, match=r"halved: expected targets of shape \(2, 3\)"):
        Halved().validate(np.zeros((2, 2)), (2, 3))
    Halved.targets = "ranks"
    with pytest.raises(ValueError, match="unknown kind of targets 'ranks'; use one of"):
        Halved().validate([1, 2], (2, 1))
