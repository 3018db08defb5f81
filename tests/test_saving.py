"""Save and load: bit-identical round trips, and hostile or corrupt files refused."""

import json
import zipfile

import numpy as np
import pytest

import tinynet
from tinynet import layers


def small_cnn():
    model = tinynet.Sequential([
        layers.Input((8, 8, 1)),
        layers.Conv2D(4, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(3),
        layers.Activation("softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=16):
    rng = np.random.default_rng(1)
    return rng.random((n, 8, 8, 1), dtype=np.float32), rng.integers(0, 3, n)


def test_round_trip_is_bit_identical_and_training_continues_identically(tmp_path):
    x, y = data()
    model = small_cnn()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = tinynet.load_model(path)
    assert [type(a).__name__ for a in loaded.layers] == [type(a).__name__ for a in model.layers]
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    # The optimizer state came along: one more identical step gives identical weights.
    for m in (model, loaded):
        m.layers[3].fixed_mask = np.ones((len(x), 64), dtype=bool)
        m.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_writes_atomically_leaving_no_temp_files(tmp_path):
    small_cnn().save(tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    small_cnn().save(path)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="corrupt, truncated"):
        tinynet.load_model(path)


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    path.write_text("hello")
    with pytest.raises(ValueError, match="cannot read"):
        tinynet.load_model(path)


def test_pickled_object_array_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npz"
    np.savez(path, config=np.array([Evil()], dtype=object))
    with pytest.raises(ValueError, match="pickled objects"):
        tinynet.load_model(path)
    assert not marker.exists()


def test_npz_that_is_not_tinynets_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(ValueError, match="not a tinynet model"):
        tinynet.load_model(path)


def test_unknown_layer_class_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    small_cnn().save(path)
    with zipfile.ZipFile(path) as z:
        config = json.loads(str(np.load(z.open("config.npy"))))
    config["layers"][0]["class_name"] = "Lambda"
    np.savez(path, config=np.array(json.dumps(config)))
    with pytest.raises(ValueError, match="unknown layer class 'Lambda'"):
        tinynet.load_model(path)


def test_wrong_weight_shapes_are_refused(tmp_path):
    path = tmp_path / "m.npz"
    model = small_cnn()
    model.save(path)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["weight_000"] = np.zeros((2, 2), dtype=np.float32)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="shape"):
        tinynet.load_model(path)
