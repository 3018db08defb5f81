"""Recurrent layers and Embedding inside Sequential: integer ids, summary, fit, save and load."""

import numpy as np
import pytest

import tinynet
from tinynet import layers as tl
from tinynet.models import load_model


def text_model(**compile_args):
    model = tinynet.Sequential([tl.Input((6,)), tl.Embedding(20, 5),
                                tl.LSTM(4, return_sequences=True),
                                tl.GRU(3, reset_after=False, return_sequences=True),
                                tl.SimpleRNN(2, go_backwards=True, return_sequences=True),
                                tl.LSTM(3), tl.Dense(3, activation="softmax")])
    model.compile(optimizer=tinynet.optimizers.Adam(**compile_args),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def ids_and_labels(n=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 20, (n, 6)), rng.integers(0, 3, n)


def test_summary_has_keras_shapes_and_parameter_counts():
    lines = []
    text_model().summary(print_fn=lines.append)
    table = "\n".join(lines)
    for row in ["embedding (Embedding)  (None, 6, 5)  100", "lstm (LSTM)  (None, 6, 4)  160",
                "gru (GRU)  (None, 6, 3)  72", "simple_rnn (SimpleRNN)  (None, 6, 2)  12",
                "lstm_1 (LSTM)  (None, 3)  72", "Total params: 428"]:
        assert " ".join(row.split()) in " ".join(table.split()), row


def test_integer_ids_reach_the_embedding_uncast():
    model = text_model()
    x, y = ids_and_labels()
    big = tinynet.Sequential([tl.Input((2,)), tl.Embedding(2**25, 1)])
    ids = np.array([[2**24 + 1, 3]])  # float32 would round 16777217 to 16777216
    big.layers[0].params["embeddings"][2**24:2**24 + 2, 0] = [1.0, 2.0]
    assert big.predict(ids, verbose=0)[0, 0, 0] == 2.0
    model.train_on_batch(x, y)
    assert model.layers[0].x.dtype == np.int64
    np.testing.assert_array_equal(model.layers[0].x, x)


def test_fit_lowers_the_loss_and_predict_is_deterministic():
    model = text_model()
    x, y = ids_and_labels(30)
    history = model.fit(x, y, epochs=15, batch_size=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_save_and_load_round_trip(tmp_path):
    model = text_model(clipnorm=0.5)
    x, y = ids_and_labels()
    model.train_on_batch(x, y)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    assert loaded.layers[2].reset_after is False and loaded.layers[3].go_backwards is True
    assert loaded.optimizer.clipnorm == 0.5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.train_on_batch(x, y)  # the optimizer state came along: the next step is the same
    loaded.train_on_batch(x, y)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("x, error, match", [
    (np.full((2, 6), 0.5), ValueError, "integer token ids"),
    (np.full((2, 6), 20), ValueError, r"token id 20 is outside \[0, 20\)"),
    (np.zeros((2, 5), dtype=int), ValueError, "shape"),
])
def test_bad_ids_fail_early_with_the_fix(x, error, match):
    with pytest.raises(error, match=match):
        text_model().train_on_batch(x, np.zeros(2, dtype=int))


def test_float64_model_stays_float64():
    model = tinynet.Sequential([tl.Input((4, 3)), tl.GRU(2, dtype="float64"),
                                tl.Dense(1, dtype="float64")])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(1).normal(size=(5, 4, 3))
    model.train_on_batch(x, np.ones((5, 1)))
    assert model.predict(x, verbose=0).dtype == np.float64
    assert all(g.dtype == np.float64 for g in model.gradients().values())
