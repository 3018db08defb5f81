"""from_keras dispatches on Keras's own objects, never on names (issue 14, bad case 7)."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import tinynet  # noqa: E402
from tinynet import layers as tl  # noqa: E402
from tinynet.tools.interop import from_keras, to_keras  # noqa: E402

pytestmark = pytest.mark.keras


def relu(x):  # a user's function that only shares the built-in's name
    return keras.ops.tanh(x)


def mean_squared_error(y_true, y_pred):  # named MSE, computes MAE
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


def mae(y_true, y_pred):  # named MAE, computes something else
    return keras.ops.max(y_true - y_pred, axis=-1)


class Dense(keras.layers.Dense):  # a subclass named Dense with its own call
    def call(self, inputs):
        return super().call(inputs) * 2.0


def model(*layers, **compile_args):
    km = keras.Sequential([keras.Input((4,)), *layers])
    if compile_args:
        km.compile(optimizer="adam", **compile_args)
    return km


@pytest.mark.parametrize(("make", "match"), [
    (lambda: model(keras.layers.Dense(3, activation=relu)), "activation .*relu is not Keras's"),
    (lambda: model(keras.layers.Dense(3), keras.layers.Activation(relu)),
     "activation .*relu is not Keras's"),
    (lambda: model(Dense(3)), "class .*Dense is not Keras's"),
    (lambda: model(keras.layers.Dense(1), loss=mean_squared_error),
     "the loss .*mean_squared_error is not Keras's"),
    (lambda: model(keras.layers.Dense(1), loss="mse", metrics=[mae]),
     "the metric .*mae is not Keras's"),
    (lambda: model(keras.layers.Dense(1), loss="mse", metrics=[keras.metrics.Accuracy()]),
     "has no tinynet twin"),
])
def test_custom_objects_with_builtin_names_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        from_keras(make())


def test_keras_builtins_by_object_still_convert_exactly():
    km = model(keras.layers.Dense(3, activation=keras.activations.relu),
               keras.layers.Activation(keras.activations.tanh), keras.layers.Dense(2),
               loss=keras.losses.mean_squared_error,
               metrics=[keras.metrics.mean_absolute_error, keras.metrics.MeanSquaredError()])
    m = from_keras(km)
    assert m.loss.name == "mean_squared_error"
    assert m.metric_names == ["mean_absolute_error", "mean_squared_error"]
    x = np.random.default_rng(0).random((5, 4)).astype("f4")
    np.testing.assert_allclose(m.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-6)


def test_open_input_sizes_are_refused_clearly():
    km = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"input shape \(None, None, 1\) has sizes left open"):
        from_keras(km)


def test_a_name_keras_refuses_is_named_before_keras_sees_it():
    m = tinynet.Sequential([tl.Input((4,)), tl.Dense(2, name="x/y")])
    with pytest.raises(ValueError, match="'x/y' contains '/'.*name='x_y'"):
        to_keras(m)
