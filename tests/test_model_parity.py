"""Sequential against Keras on real MNIST: same steps, losses and weights from the same start."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import tinynet  # noqa: E402
from tinynet.datasets.mnist import load_data  # noqa: E402
from tinynet.interop import from_keras  # noqa: E402


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), _ = load_data()
    return (x_train[:2000] / 255.0).astype("float32"), y_train[:2000]


def keras_mlp():
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.0),  # rate 0: dropout's random draws would differ otherwise
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def keras_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def tinynet_twin(km):
    """The same architecture written in tinynet, weights copied with set_weights."""
    model = tinynet.Sequential([tinynet.layers.Input(km.input_shape[1:])])
    for layer in km.layers:
        c = layer.get_config()
        kind = type(layer).__name__
        if kind == "Dense":
            model.add(tinynet.layers.Dense(c["units"], activation=c["activation"]))
        elif kind == "Conv2D":
            model.add(tinynet.layers.Conv2D(c["filters"], c["kernel_size"],
                                            activation=c["activation"]))
        elif kind == "MaxPooling2D":
            model.add(tinynet.layers.MaxPooling2D(c["pool_size"]))
        elif kind == "Flatten":
            model.add(tinynet.layers.Flatten())
        elif kind == "Dropout":
            model.add(tinynet.layers.Dropout(c["rate"]))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.set_weights(km.get_weights())
    return model


@pytest.mark.parametrize("build, reshape", [(keras_mlp, (28, 28)), (keras_cnn, (28, 28, 1))],
                         ids=["mlp", "cnn"])
def test_train_on_batch_20_steps_equal_losses_and_weights(mnist, build, reshape):
    x, y = mnist
    x = x.reshape(-1, *reshape)
    km = build()
    tm = tinynet_twin(km)
    for step in range(20):
        xb, yb = x[step * 32:(step + 1) * 32], y[step * 32:(step + 1) * 32]
        k_loss, k_acc = km.train_on_batch(xb, yb)
        t_loss, t_acc = tm.train_on_batch(xb, yb)
        # float32 sums in a different order differ in the last bits; 1e-4 relative is the
        # acceptance bound, and the observed gap is about 1e-6.
        assert t_loss == pytest.approx(float(k_loss), rel=1e-4), f"step {step}"
        assert t_acc == pytest.approx(float(k_acc), abs=1e-6), f"step {step}"
    for t, k in zip(tm.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(t, k, rtol=1e-4, atol=1e-5)


def test_one_epoch_fit_loss_equals_keras(mnist):
    x, y = mnist
    km = keras_mlp()
    tm = tinynet_twin(km)
    k_hist = km.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0).history
    t_hist = tm.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0).history
    assert t_hist["loss"][0] == pytest.approx(k_hist["loss"][0], rel=1e-4)
    assert t_hist["accuracy"][0] == pytest.approx(k_hist["accuracy"][0], abs=1e-3)
    k_eval = km.evaluate(x[:500], y[:500], verbose=0)
    t_eval = tm.evaluate(x[:500], y[:500], verbose=0)
    np.testing.assert_allclose(t_eval, k_eval, rtol=1e-4)


def test_from_keras_gives_the_same_predictions(mnist):
    x, _ = mnist
    km = keras_cnn()
    tm = from_keras(km)
    xb = x[:64].reshape(-1, 28, 28, 1)
    np.testing.assert_allclose(tm.predict(xb, verbose=0), km.predict(xb, verbose=0),
                               rtol=1e-5, atol=1e-6)
