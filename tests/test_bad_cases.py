"""Issue 14's silent wrong results, each pinned by a regression test (NumPy only).

The interop cases (trusting names) are in test_interop_identity.py, which needs Keras.
"""

import numpy as np
import pytest

import tinynet
from tinynet import layers as L

X = np.random.default_rng(0).random((8, 4)).astype("f4")
Y = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def mlp(loss="sparse_categorical_crossentropy", metrics=None, names=None):
    names = names or (None, None)
    model = tinynet.Sequential([L.Dense(5, input_dim=4, activation="relu", name=names[0]),
                                L.Dense(3, activation="softmax", name=names[1])])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def assert_same_weights(a, b):
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


# 1. more than 1,000 weight arrays: saved and loaded in numeric order -----------------------
@pytest.mark.parametrize("stack", ["bias", "no_bias"])
def test_more_than_a_thousand_weight_arrays_round_trip_in_order(tmp_path, stack):
    rng = np.random.default_rng(1)
    if stack == "bias":  # 501 kernels + 501 biases = 1,002 arrays
        model = tinynet.Sequential([L.Input((4,))] + [L.Dense(4) for _ in range(501)])
    else:  # 1,001 kernels: a text sort would put weight_1000 between weight_100 and weight_101
        model = tinynet.Sequential([L.Input((4,))]
                                   + [L.Dense(4, use_bias=False) for _ in range(1001)])
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("f4") for w in model.get_weights()])
    assert len(model.get_weights()) > 1000
    model.save(tmp_path / "deep.npz")
    loaded = tinynet.load_model(tmp_path / "deep.npz")
    assert_same_weights(model.get_weights(), loaded.get_weights())
    x = rng.random((3, 4)).astype("f4")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_weight_entries_with_a_gap_are_refused(tmp_path):
    model = mlp()
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:
        arrays = dict(f)
    arrays["weight_0007"] = arrays.pop("weight_003")
    np.savez(tmp_path / "gap.npz", **arrays)
    with pytest.raises(ValueError, match="not numbered 0 to 3"):
        tinynet.load_model(tmp_path / "gap.npz")


# 2. optimizer state into a model whose layer names differ --------------------------------
def test_set_state_with_other_layer_names_raises_naming_the_keys_and_changes_nothing():
    a = mlp(names=("dense_a", "head_a"))
    a.fit(X, Y, epochs=2, verbose=0)
    b = mlp(names=("dense_b", "head_b"))
    b.optimizer.set_state(a.optimizer.get_state())
    before = b.get_weights()
    with pytest.raises(ValueError, match=r"without a parameter \['dense_a/bias'.*"
                                         r"without slots \['dense_b/bias'"):
        b.train_on_batch(X, Y)
    assert_same_weights(before, b.get_weights())
    with pytest.raises(ValueError, match="does not match the model's parameters"):
        b.optimizer.set_state(a.optimizer.get_state(), params=b.parameters())


def test_set_state_with_matching_names_continues_identically():
    a, b = mlp(names=("h1", "o1")), mlp(names=("h2", "o2"))
    a.fit(X, Y, epochs=2, verbose=0)
    b.set_weights(a.get_weights())
    b.optimizer.set_state({k.replace("h1", "h2").replace("o1", "o2"): v
                           for k, v in a.optimizer.get_state().items()})
    a.train_on_batch(X, Y)
    b.train_on_batch(X, Y)
    assert_same_weights(a.get_weights(), b.get_weights())


# 3-5. complex numbers are refused, never silently made real -------------------------------
def test_complex_x_is_refused_before_training():
    model = mlp()
    before = model.get_weights()
    with pytest.raises(TypeError, match="complex"):
        model.fit(X + 1j, Y, verbose=0)
    with pytest.raises(TypeError, match="complex"):
        model.fit(X, Y + 0j, verbose=0)
    assert_same_weights(before, model.get_weights())


def test_complex_weights_are_refused_by_set_weights():
    model = mlp()
    before = model.get_weights()
    with pytest.raises(TypeError, match="complex"):
        model.set_weights([w + 1j for w in before])
    assert_same_weights(before, model.get_weights())


@pytest.mark.parametrize("entry", ["weight_000", "optimizer/iterations"])
def test_complex_arrays_in_a_saved_file_are_refused(tmp_path, entry):
    model = mlp()
    model.fit(X, Y, verbose=0)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:
        arrays = dict(f)
    arrays[entry] = arrays[entry] + 1j
    np.savez(tmp_path / "c.npz", **arrays)
    with pytest.raises(ValueError, match="complex"):
        tinynet.load_model(tmp_path / "c.npz")


# 6. categorical_accuracy on sparse labels --------------------------------------------------
def test_categorical_accuracy_with_sparse_labels_is_refused_naming_the_sparse_metric():
    model = mlp(metrics=["categorical_accuracy"])
    with pytest.raises(ValueError, match="'sparse_categorical_accuracy'"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match="'sparse_categorical_accuracy'"):
        model.evaluate(X, Y, verbose=0)
    assert model.optimizer.iterations == 0
