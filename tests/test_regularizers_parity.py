"""Weight regularizers against Keras: the penalties, and models whose losses, gradients and
weights follow Keras's with penalties on kernels and biases; interop keeps them."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

import tinynet  # noqa: E402
from tinynet import layers as tl  # noqa: E402
from tinynet import regularizers  # noqa: E402
from tinynet.tools.interop import from_keras, to_keras  # noqa: E402


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, args", [("L1", (0.3,)), ("L2", (0.1,)), ("L1L2", (0.1, 0.7)),
                                        ("L1", ()), ("L2", ()), ("L1L2", ())])
def test_penalty_and_gradient_equal_keras(name, args, dtype):
    w = np.random.default_rng(0).normal(size=(5, 4)).astype(dtype)
    ours = getattr(regularizers, name)(*args)
    theirs = getattr(keras.regularizers, name)(*args)
    w_tf = tf.constant(w)
    with tf.GradientTape() as tape:
        tape.watch(w_tf)
        value = theirs(w_tf)
    grad = tape.gradient(value, w_tf)
    rtol = 1e-14 if dtype == "float64" else 1e-6
    assert float(ours(w)) == pytest.approx(float(value), rel=rtol, abs=0)
    if grad is not None:  # L1L2() with both factors 0 adds nothing, so no gradient at all
        np.testing.assert_allclose(ours.gradient(w), grad.numpy(), rtol=rtol)


@pytest.mark.parametrize("name", ["l1", "l2", "l1l2", "L1L2"])
def test_names_mean_what_they_mean_in_keras(name):
    assert regularizers.get(name).get_config() == pytest.approx(
        keras.regularizers.get(name).get_config())


def test_keras_refuses_the_l1_l2_name_its_docstring_shows():
    with pytest.raises(ValueError):
        keras.regularizers.get("l1_l2")


def keras_model(dtype="float64"):
    kw = {"dtype": dtype}
    return keras.Sequential([
        keras.Input((6, 6, 1), dtype=dtype),
        keras.layers.Conv2D(3, 3, kernel_regularizer=keras.regularizers.L1L2(0.01, 0.02),
                            bias_regularizer="l1", activation="tanh", **kw),
        keras.layers.Flatten(**kw),
        keras.layers.Dense(4, kernel_regularizer="l2", activation="relu", **kw),
        keras.layers.Dense(3, activation="softmax", bias_regularizer=keras.regularizers.L2(0.3),
                           **kw),
    ])


def test_training_with_penalties_follows_keras(keras_float64):
    km = keras_model()
    rng = np.random.default_rng(3)
    km.set_weights([rng.normal(0, 0.5, w.shape) for w in km.get_weights()])
    km.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="categorical_crossentropy")
    tm = from_keras(km)
    assert tm.layers[0].regularizers["kernel"].get_config() == {"l1": 0.01, "l2": 0.02}
    x = rng.normal(size=(8, 6, 6, 1))
    y = np.eye(3)[rng.integers(0, 3, 8)]
    with tf.GradientTape() as tape:  # the first step's loss and gradients, penalties included
        loss = km.compute_loss(x, y, km(x, training=True))
    k_grads = tape.gradient(loss, km.trainable_variables)
    assert tm.train_on_batch(x, y) == pytest.approx(float(loss), rel=1e-12)
    for g, k in zip(tm.gradients().values(), k_grads, strict=True):
        np.testing.assert_allclose(g, k.numpy(), rtol=1e-10, atol=1e-14)
    km.train_on_batch(x, y)
    for step in range(5):
        x = rng.normal(size=(8, 6, 6, 1))
        assert tm.train_on_batch(x, y) == pytest.approx(float(km.train_on_batch(x, y)),
                                                        rel=1e-10), f"step {step}"
    assert tm.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0), rel=1e-10)
    for t, k in zip(tm.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(t, k, rtol=1e-9, atol=1e-12)


def test_to_keras_keeps_the_regularizers_and_frozen_layers_lose_their_penalty():
    model = tinynet.Sequential([tl.Input((3,)),
                                tl.Dense(4, kernel_regularizer=regularizers.L1(0.2),
                                         bias_regularizer="l2", trainable=False),
                                tl.Dense(2, kernel_regularizer="l1l2")])
    km = to_keras(model, compile=False)
    assert km.layers[0].kernel_regularizer.get_config() == pytest.approx({"l1": 0.2})
    assert type(km.layers[1].kernel_regularizer).__name__ == "L1L2"
    assert km.layers[0].trainable is False
    assert len(km.losses) == 1  # Keras too regularizes trainable weights only
    penalty = regularizers.penalty(model.layers)
    assert penalty == pytest.approx(float(sum(km.losses)), rel=1e-6, abs=0)


def my_penalty(w):
    return 0.1 * tf.reduce_sum(w)


def test_from_keras_refuses_other_regularizers():
    for reg in (keras.regularizers.OrthogonalRegularizer(), my_penalty):
        km = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_regularizer=reg)])
        with pytest.raises(ValueError, match="kernel_regularizer"):
            from_keras(km)
