"""Sequential: compile, fit, evaluate, predict, train_on_batch, summary, callbacks, bad input."""

import numpy as np
import pytest

import tinynet
from tinynet import layers
from tinynet.callbacks import EarlyStopping


def mlp(dropout=0.2):
    model = tinynet.Sequential([
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def cnn():
    model = tinynet.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def blobs(n=200, seed=0):
    """Two well-separated Gaussian clusters in 4-D, labels 0/1."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 4)) + 3.0 * y[:, None]
    return x.astype("float32"), y


def summary_lines(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines


# -- summary: the book's numbers, computed here from the architecture ---------------------
def test_summary_mlp_rows_and_total():
    lines = summary_lines(mlp())
    expected = {"flatten (Flatten)": ("(None, 784)", 0),
                "dense (Dense)": ("(None, 512)", 784 * 512 + 512),
                "dropout (Dropout)": ("(None, 512)", 0),
                "dense_1 (Dense)": ("(None, 10)", 512 * 10 + 10)}
    for name, (shape, params) in expected.items():
        row = next(line for line in lines if name in line)
        assert shape in row and row.rstrip().endswith(f"{params:,}")
    total = sum(p for _, p in expected.values())
    assert f"Total params: {total:,}" in "\n".join(lines)
    assert total == 407_050


def test_summary_cnn_rows_and_total():
    model = cnn()
    lines = summary_lines(model)
    conv = [(1, 32), (32, 64), (64, 64)]
    conv_params = [9 * cin * cout + cout for cin, cout in conv]
    shapes = ["(None, 26, 26, 32)", "(None, 13, 13, 32)", "(None, 11, 11, 64)",
              "(None, 5, 5, 64)", "(None, 3, 3, 64)", "(None, 576)", "(None, 64)", "(None, 10)"]
    params = [conv_params[0], 0, conv_params[1], 0, conv_params[2], 0, 576 * 64 + 64, 650]
    for layer, shape, p in zip(model.layers, shapes, params, strict=True):
        row = next(line for line in lines if line.strip().startswith(layer.name + " "))
        assert shape in row and row.rstrip().endswith(f"{p:,}")
    assert model.count_params() == sum(params) == 93_322


def test_keras_names_count_up():
    model = mlp()
    assert [layer.name for layer in model.layers] == ["flatten", "dense", "dropout", "dense_1"]


# -- fit / evaluate / predict -------------------------------------------------------------
def test_fit_learns_and_history_has_keras_keys():
    x, y = blobs()
    model = tinynet.Sequential([layers.Dense(8, activation="relu", input_dim=4),
                                layers.Dense(2, activation="softmax")])
    model.compile(optimizer=tinynet.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 20
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.95
    probs = model.predict(x, verbose=0)
    assert probs.shape == (200, 2) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    assert np.mean(probs.argmax(1) == y) == pytest.approx(acc)


def test_epoch_loss_is_the_size_weighted_mean_of_batch_losses():
    x, y = blobs(n=70)
    model = tinynet.Sequential([layers.Dense(2, activation="softmax", input_dim=4)])
    model.compile(optimizer=tinynet.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    # With lr 0 the weights never move, so the epoch loss must equal evaluate()'s mean.
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert history.history["loss"][0] == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)


def test_evaluate_without_metrics_returns_a_scalar_and_train_on_batch_a_list_with_them():
    x, y = blobs(n=40)
    model = tinynet.Sequential([layers.Dense(1, activation="sigmoid", input_dim=4)])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    out = model.train_on_batch(x, y)
    assert isinstance(out, list) and len(out) == 2 and 0.0 <= out[1] <= 1.0


def test_predict_is_inference_mode_dropout_off():
    model = tinynet.Sequential([layers.Dropout(0.5, input_shape=(100,))])
    x = np.ones((3, 100), dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_set_random_seed_makes_training_reproducible():
    x, y = blobs()
    results = []
    for _ in range(2):
        tinynet.utils.set_random_seed(42)
        model = mlp_small()
        model.fit(x, y, epochs=2, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def mlp_small():
    model = tinynet.Sequential([layers.Dense(16, activation="relu", input_dim=4),
                                layers.Dropout(0.3), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_progress_output_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = blobs(n=64)
    model = mlp_small()
    model.fit(x, y, epochs=3, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all("loss: " in line for line in lines)


def test_progress_bar_verbose_1_shows_epochs_and_loss(capsys):
    x, y = blobs(n=64)
    mlp_small().fit(x, y, epochs=1, verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 1/1" in err and "loss" in err


# -- callbacks ------------------------------------------------------------------------------
def test_early_stopping_stops_and_restores_best_weights():
    x, y = blobs(n=64)
    model = tinynet.Sequential([layers.Dense(2, activation="softmax", input_dim=4)])
    model.compile(optimizer=tinynet.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    stop = EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, verbose=0, callbacks=[stop], shuffle=False)
    # lr 0: the loss never improves after epoch 0, so Keras's rule stops after patience epochs.
    assert len(history.history["loss"]) == 3


def test_nan_loss_stops_training_with_a_clear_message():
    x, y = blobs(n=64)
    model = tinynet.Sequential([layers.Dense(2, input_dim=4)])
    model.compile(optimizer=tinynet.optimizers.SGD(1e30), loss="mse")
    with pytest.warns(RuntimeWarning, match="loss is (nan|inf)"):
        history = model.fit(x, np.ones((64, 2)), epochs=50, verbose=0)
    assert len(history.history["loss"]) < 50
    assert not np.isfinite(history.history["loss"][-1])


def test_early_stopping_unknown_monitor_lists_available():
    x, y = blobs(n=32)
    model = mlp_small()
    with pytest.raises(ValueError, match="val_loss.*not logged"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping()])


# -- bad input: fails early, names the fix -----------------------------------------------------
@pytest.mark.parametrize("call, match", [
    (lambda m, x, y: m.fit(x, y[:-1], verbose=0), "same number of samples"),
    (lambda m, x, y: m.fit(x[:, :3], y, verbose=0), r"shape \(4,\)"),
    (lambda m, x, y: m.fit(x.astype(object), y, verbose=0), "numeric"),
    (lambda m, x, y: m.fit(np.where(x > 2, np.nan, x), y, verbose=0), "NaN or inf"),
    (lambda m, x, y: m.fit(x[:0], y[:0], verbose=0), "empty"),
    (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), "batch_size"),
    (lambda m, x, y: m.fit(x, y + 5, verbose=0), r"\[0, 2\)"),
    (lambda m, x, y: m.fit(x, y + 0.5, verbose=0), "integer"),
    (lambda m, x, y: m.evaluate(x, y, batch_size=-1, verbose=0), "batch_size"),
])
def test_bad_data_fails_early(call, match):
    x, y = blobs(n=32)
    with pytest.raises((ValueError, TypeError), match=match):
        call(mlp_small(), x, y)


def test_one_hot_width_must_match_output():
    x, _ = blobs(n=8)
    model = tinynet.Sequential([layers.Dense(3, activation="softmax", input_dim=4)])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="width|3"):
        model.fit(x, np.eye(2)[np.zeros(8, int)], verbose=0)


def test_fit_before_compile_says_compile():
    x, y = blobs(n=8)
    model = tinynet.Sequential([layers.Dense(2, input_dim=4)])
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.evaluate(x, y, verbose=0)):
        with pytest.raises(RuntimeError, match=r"compile\("):
            call()


@pytest.mark.parametrize("kwargs, match", [
    ({"optimizer": "adamw", "loss": "mse"}, "Valid optimizers: .*adam"),
    ({"optimizer": "adam", "loss": "hinge"}, "Valid loss functions: .*mean_squared_error"),
    ({"optimizer": "adam", "loss": "mse", "metrics": ["f1"]}, "Valid metrics: .*accuracy"),
])
def test_unknown_names_list_the_valid_ones(kwargs, match):
    model = tinynet.Sequential([layers.Dense(2, input_dim=4)])
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)


def test_set_weights_wrong_count_and_shape():
    model = mlp_small()
    weights = model.get_weights()
    with pytest.raises(ValueError, match="expected 4 arrays, got 3"):
        model.set_weights(weights[:3])
    weights[0] = weights[0].T
    with pytest.raises(ValueError, match="shape"):
        model.set_weights(weights)


def test_duplicate_layer_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        tinynet.Sequential([layers.Dense(2, input_dim=3, name="a"), layers.Dense(2, name="a")])
