"""Issue 14's weak classes: each bad argument fails early, before any weight changes, with a
message that names the fix (NumPy only)."""

import subprocess
import sys

import numpy as np
import pytest

import tinynet
from tinynet import layers as L
from tinynet.callbacks import EarlyStopping

X = np.random.default_rng(0).random((8, 4)).astype("f4")
Y = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def mlp(loss="sparse_categorical_crossentropy", metrics=None):
    model = tinynet.Sequential([L.Dense(5, input_dim=4, activation="relu"),
                                L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def refused_untouched(model, call, error, match):
    """``call(model)`` raises ``error`` matching ``match`` and leaves every weight as it was."""
    before = [w.copy() for w in model.get_weights()] if model.built else None
    with pytest.raises(error, match=match):
        call(model)
    if before is not None:
        for a, b in zip(before, model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    assert model.optimizer is None or model.optimizer.iterations == 0


# -- bad argument types ---------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"batch_size": True}, "batch_size must be a positive int.*bool.*batch_size=32"),
    ({"batch_size": 0}, "batch_size must be a positive int"),
    ({"epochs": 2.5}, "epochs must be an int >= 0.*epochs=10"),
    ({"epochs": "3"}, "epochs must be an int >= 0"),
    ({"epochs": -1}, "epochs must be an int >= 0"),
    ({"epochs": 2, "initial_epoch": 3}, "initial_epoch=3 is past epochs=2.*epochs=4"),
    ({"initial_epoch": -1}, "initial_epoch must be an int >= 0"),
    ({"validation_split": "0.2"}, "validation_split must be a finite number.*=0.2"),
    ({"validation_split": 1.0}, r"validation_split must be in \[0.0, 1.0\)"),
    ({"verbose": "loud"}, "verbose must be 0"),
    ({"shuffle": "batch"}, "shuffle must be True or False"),
    ({"callbacks": EarlyStopping(monitor="loss")}, r"callbacks must be a list.*\[EarlyStopping"),
    ({"callbacks": [print]}, "tinynet Callback objects"),
    ({"validation_data": (X, Y, np.ones(8))}, r"pair \(x_val, y_val\).*no sample weights"),
    ({"validation_data": X}, r"pair \(x_val, y_val\)"),
])
def test_fit_arguments_are_checked_before_any_step(kwargs, match):
    refused_untouched(mlp(), lambda m: m.fit(X, Y, **{"epochs": 1, "verbose": 0, **kwargs}),
                      ValueError, match)


def test_wrong_types_are_type_errors_too():
    with pytest.raises(TypeError, match="epochs"):
        mlp().fit(X, Y, epochs=2.5, verbose=0)


def test_metrics_as_a_bare_string_is_refused_not_split_into_letters():
    with pytest.raises(TypeError, match=r"metrics=\['accuracy'\]"):
        mlp(metrics="accuracy")


def test_verbose_auto_is_the_progress_bar(capsys):
    mlp().fit(X, Y, verbose="auto")
    assert "Epoch 1/1" in capsys.readouterr().err


@pytest.mark.parametrize(("make", "match"), [
    (lambda: L.Dense(True), "must be a positive int.*bool"),
    (lambda: L.Dense(2.0), "must be a positive int.*float"),
    (lambda: L.Dense(0), "positive int"),
    (lambda: L.Conv2D(2, 2.0), "kernel_size"),
    (lambda: L.Conv2D(2, (2, True)), "kernel_size"),
    (lambda: L.Conv2D(True, 2), "filters"),
    (lambda: L.MaxPooling2D("2"), "pool_size"),
    (lambda: L.Dense(2, input_dim="abc"), "input_dim"),
    (lambda: L.Dense(2, input_dim=2.0), "input_dim"),
    (lambda: L.Dense(2, input_shape=(4, None)), "input_shape.*size known"),
    (lambda: L.Dense(2, dtype="nonsense"), "dtype must be 'float32' or 'float64'"),
    (lambda: L.Dense(2, dtype="int32"), "dtype must be 'float32' or 'float64'"),
    (lambda: L.Input("abc"), "shape must be a positive int or a tuple"),
    (lambda: L.Input((28, 0)), "shape must be a positive int or a tuple"),
    (lambda: L.Dropout(0.5, seed=-1), "seed must be an int >= 0 or None"),
    (lambda: L.Dropout(0.5, seed=1.5), "seed must be an int or None"),
    (lambda: L.Dropout("0.5"), "rate"),
])
def test_layer_arguments_fail_clearly(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# -- metrics that do not fit the targets: refused before the first step ---------------------
@pytest.mark.parametrize(("loss", "metric", "y", "match"), [
    ("sparse_categorical_crossentropy", "categorical_accuracy", Y,
     "'sparse_categorical_accuracy'"),
    ("categorical_crossentropy", "sparse_categorical_accuracy", np.eye(3)[Y],
     "one-hot: use 'categorical_accuracy'"),
    ("sparse_categorical_crossentropy", "binary_accuracy", Y, "class labels"),
    ("sparse_categorical_crossentropy", "mae", Y, "class labels"),
    ("sparse_categorical_crossentropy", "mse", Y, "class labels"),
])
def test_metric_that_does_not_fit_the_targets_is_refused_before_any_step(loss, metric, y, match):
    model = mlp(loss=loss, metrics=[metric])
    refused_untouched(model, lambda m: m.fit(X, y, verbose=0), ValueError, match)
    refused_untouched(model, lambda m: m.train_on_batch(X, y), ValueError, match)


def test_metrics_that_fit_still_work():
    logs = mlp(metrics=["sparse_categorical_accuracy", "accuracy"]).fit(X, Y, verbose=0).history
    assert 0 <= logs["sparse_categorical_accuracy"][0] <= 1
    onehot = mlp(loss="categorical_crossentropy", metrics=["categorical_accuracy", "mae"])
    assert len(onehot.evaluate(X, np.eye(3)[Y], verbose=0)) == 3


# -- model(x) checks what predict checks; values that are not what they seem ----------------
@pytest.mark.parametrize(("x", "error", "match"), [
    (np.full((2, 4), np.nan), ValueError, "NaN or inf"),
    (np.array([["a", "b", "c", "d"]]), TypeError, "numeric array"),
    (np.ones((2, 4)) + 1j, TypeError, "complex"),
    (np.ones((2, 5)), ValueError, "shape"),
])
def test_calling_the_model_checks_like_predict(x, error, match):
    model = mlp()
    for call in (model, model.predict):
        with pytest.raises(error, match=match):
            call(x)


def test_calling_the_model_matches_predict():
    model = mlp()
    np.testing.assert_array_equal(model(X), model.predict(X, verbose=0))


def test_a_finite_float64_beyond_float32_is_called_an_overflow_not_nan():
    with pytest.raises(ValueError, match="beyond float32's range.*Scale"):
        mlp().predict(np.full((2, 4), 1e39))
    with pytest.raises(ValueError, match="NaN or inf"):
        mlp().predict(np.full((2, 4), np.inf))


@pytest.mark.parametrize("bad", [[[1, 2, 3, 4], [1, 2]], [[1, 2, 3, 4], 5]])
def test_ragged_lists_fail_clearly(bad):
    with pytest.raises(ValueError, match="ragged.*Pad or trim"):
        mlp().predict(bad)
    with pytest.raises(ValueError, match="ragged"):
        mlp().fit(X[:2], [[0], [1, 2]], verbose=0)


# -- the NaN stop is reported on every fit, not once per process ------------------------------
def test_nan_stop_warns_on_every_fit_under_the_default_warning_filter():
    script = (
        "import numpy as np, tinynet\n"
        "from tinynet import layers as L\n"
        "x = np.ones((4, 2), 'f4') * 1e10; y = np.array([0, 1, 0, 1])\n"
        "for _ in range(3):\n"
        "    m = tinynet.Sequential([L.Dense(2, input_dim=2, activation='softmax')])\n"
        "    m.compile(optimizer=tinynet.optimizers.SGD(1e30),"
        " loss='sparse_categorical_crossentropy')\n"
        "    with np.errstate(all='ignore'):\n"
        "        m.fit(x, y, epochs=3, verbose=0)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert run.stderr.count("training stopped") == 3


# -- set_weights: real, finite, all checked before any is assigned ----------------------------
@pytest.mark.parametrize(("bad", "error", "match"), [
    (np.nan, ValueError, "NaN or inf in 'bias'"),
    (np.inf, ValueError, "NaN or inf in 'bias'"),
    (1j, TypeError, "complex"),
])
def test_set_weights_refuses_nan_and_complex_and_changes_nothing(bad, error, match):
    model = mlp()
    before = model.get_weights()
    new = [w + 1 for w in before]
    new[-1] = new[-1] + bad  # only the last array is bad: the earlier ones must stay untouched
    with pytest.raises(error, match=match):
        model.set_weights(new)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(error, match=match):
        model.layers[-1].set_weights(new[-2:])
    np.testing.assert_array_equal(before[-2], model.layers[-1].get_weights()[0])


# -- more of the same classes: missing targets, containers, flags, paths, float32 overflow -----
@pytest.mark.parametrize("call", [
    lambda m: m.fit(X, None, verbose=0),
    lambda m: m.evaluate(X, None, verbose=0),
    lambda m: m.train_on_batch(X, None),
    lambda m: m.fit(X, Y, validation_data=(X, None), verbose=0),
])
def test_missing_targets_are_named(call):
    refused_untouched(mlp(), call, ValueError, "y is None; pass the targets")


@pytest.mark.parametrize(("make", "match"), [
    (lambda: EarlyStopping(monitor=3), "monitor must be the name"),
    (lambda: EarlyStopping(patience=-1), "patience must be an int >= 0"),
    (lambda: EarlyStopping(patience=1.5), "patience must be an int >= 0"),
    (lambda: EarlyStopping(min_delta="0.1"), "min_delta must be a finite number"),
    (lambda: L.Dense(2, use_bias="no"), "use_bias must be True or False"),
    (lambda: L.Conv2D(2, 3, use_bias=None), "use_bias must be True or False"),
    (lambda: mlp().set_weights(np.zeros(4)), "set_weights must be a list"),
    (lambda: mlp().save(123), "file path must be a str or a pathlib.Path"),
    (lambda: tinynet.load_model(None), "file path must be a str or a pathlib.Path"),
])
def test_arguments_of_the_wrong_kind_name_the_fix(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_finite_float64_targets_beyond_float32_are_called_an_overflow():
    model = mlp(loss="mse")
    refused_untouched(model, lambda m: m.fit(X, np.full((8, 3), 1e39), verbose=0), ValueError,
                      "y has 24 values beyond float32's range")
