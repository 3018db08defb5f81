"""Regularizers on the recurrent layers and Embedding: the same losses and steps as Keras, and
interop and save/load keep them."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

import tinynet  # noqa: E402
from tinynet.tools.interop import from_keras, to_keras  # noqa: E402

VOCAB, T, BATCH = 60, 6, 8


def keras_stack(rng):
    L, R = keras.layers, keras.regularizers
    model = keras.Sequential([
        keras.Input((T,), dtype="int32"),
        L.Embedding(VOCAB, 4, embeddings_regularizer=R.L2(0.03), dtype="float64"),
        L.SimpleRNN(5, return_sequences=True, kernel_regularizer=R.L1(0.02), dtype="float64"),
        L.LSTM(5, return_sequences=True, recurrent_regularizer=R.L2(0.05),
               bias_regularizer=R.L1L2(0.01, 0.02), dtype="float64"),
        L.GRU(3, kernel_regularizer=R.L1L2(0.01, 0.01), recurrent_regularizer=R.L1(0.04),
              dtype="float64"),
        L.Dense(3, activation="softmax", dtype="float64"),
    ])
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape) for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


def test_penalties_follow_keras_step_by_step(keras_float64):
    rng = np.random.default_rng(3)
    theirs = keras_stack(rng)
    ours = from_keras(theirs)  # the regularizers come across by interop
    assert ours.layers[2].regularizers.keys() == {"recurrent_kernel", "bias"}
    for _ in range(6):
        x = rng.permutation(VOCAB)[:BATCH * T].reshape(BATCH, T)  # no id twice in a batch
        y = rng.integers(0, 3, BATCH)
        loss, k_loss = ours.train_on_batch(x, y), theirs.train_on_batch(x.astype("int32"), y)
        assert abs(loss - k_loss) <= 1e-9 * abs(k_loss), (loss, k_loss)
    for w, k_w in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(w, k_w, rtol=1e-8, atol=1e-12)


def test_to_keras_and_save_load_keep_the_recurrent_regularizers(tmp_path, keras_float64):
    ours = from_keras(keras_stack(np.random.default_rng(4)))
    back = to_keras(ours)
    assert back.layers[2].recurrent_regularizer.get_config() == pytest.approx({"l2": 0.05})
    assert back.layers[0].embeddings_regularizer.get_config() == pytest.approx({"l2": 0.03})
    ours.save(tmp_path / "m.npz")
    loaded = tinynet.load_model(tmp_path / "m.npz")
    for a, b in zip(ours.layers, loaded.layers, strict=True):
        assert a.get_config() == b.get_config()
    x = np.random.default_rng(5).integers(0, VOCAB, (BATCH, T))
    np.testing.assert_array_equal(ours.predict(x, verbose=0), loaded.predict(x, verbose=0))
