"""BatchNormalization against keras.layers.BatchNormalization, then a BN network trained
against Keras: plain, with an L2 kernel regularizer, and with its first BN frozen."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

import tinynet  # noqa: E402
from tinynet import layers as tl  # noqa: E402
from tinynet.tools.interop import from_keras, to_keras  # noqa: E402


def rel(a, b):
    """max |a − b| / max |b|: the error relative to the reference's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def twins(shape, rng, **kwargs):
    """tinynet and Keras BN layers in float64 with the same random γ, β and moving statistics."""
    ours = tl.BatchNormalization(dtype="float64", **kwargs)
    ours.build(shape[1:])
    theirs = keras.layers.BatchNormalization(dtype="float64", **kwargs)
    theirs.build((None, *shape[1:]))
    weights = [rng.uniform(0.5, 2.0, w.shape) if key == "moving_variance"
               else rng.normal(0, 1, w.shape) for key, w in ours.weights.items()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


CASES = {  # name: (input shape, constructor arguments, mean of the inputs)
    "dense": ((6, 5), {}, 0.0),
    "batch-of-2": ((2, 4), {}, 0.0),
    "mean-1e3": ((8, 3), {}, 1e3),
    "momentum-0.9": ((5, 3), {"momentum": 0.9}, 1.0),
    "no-center": ((5, 3), {"center": False}, 1.0),
    "no-scale": ((5, 3), {"scale": False}, 1.0),
    "epsilon-1e-5": ((5, 3), {"epsilon": 1e-5}, 1.0),
    "nhwc": ((3, 4, 4, 2), {}, 0.5),
    "nhwc-batch-of-2-mean-1e3": ((2, 3, 3, 4), {"momentum": 0.9, "epsilon": 1e-5}, 1e3),
    "nhwc-no-center-no-scale": ((3, 2, 5, 3), {"center": False, "scale": False}, -2.0),
}


@pytest.mark.parametrize("name", CASES)
def test_training_calls_match_keras_then_inference_too(name):
    shape, kwargs, loc = CASES[name]
    rng = np.random.default_rng(len(name))
    ours, theirs = twins(shape, rng, **kwargs)
    for call in range(4):  # the statistics change from call to call
        x = rng.normal(loc + call, 1.0 + call, shape)
        dy = rng.normal(size=shape)  # a random G: an all-ones one would make dx ≡ 0
        x_tf = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_tf)
            y_k = theirs(x_tf, training=True)
        dx_k, *dparams_k = tape.gradient(y_k, [x_tf, *theirs.trainable_weights],
                                         output_gradients=tf.constant(dy))
        y = ours.forward(x, training=True)
        dx = ours.backward(dy)
        assert rel(y, y_k) < 1e-6, f"output, call {call}"
        assert rel(dx, dx_k) < 1e-6, f"dx, call {call}"
        assert list(ours.grads) == [w.name for w in theirs.trainable_weights]
        for key, g_k in zip(ours.grads, dparams_k, strict=True):
            assert rel(ours.grads[key], g_k) < 1e-6, f"d{key}, call {call}"
        for key, w, w_k in zip(ours.weights, ours.get_weights(), theirs.get_weights(),
                               strict=True):
            assert rel(w, w_k) < 1e-12, f"{key} after call {call}"
    x = rng.normal(loc, 2.0, shape)
    assert rel(ours.forward(x, training=False), theirs(x, training=False)) < 1e-6


def test_a_frozen_keras_bn_normalizes_with_moving_statistics_in_training_too():
    rng = np.random.default_rng(7)
    ours, theirs = twins((4, 3), rng)
    ours.trainable = theirs.trainable = False
    x, dy = rng.normal(2.0, 3.0, (4, 3)), rng.normal(size=(4, 3))
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        y_k = theirs(x_tf, training=True)
    dx_k = tape.gradient(y_k, x_tf, output_gradients=tf.constant(dy))
    assert rel(ours.forward(x, training=True), y_k) < 1e-12
    assert rel(ours.backward(dy), dx_k) < 1e-12
    for w, w_k in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(w, w_k)  # nothing moved


def test_float32_inputs_with_a_large_mean_match_keras():
    # two-pass variance: in float32, E[x²] − μ² at μ = 1e3, σ = 1 would be off by ~5%
    rng = np.random.default_rng(8)
    x = (1e3 + rng.normal(size=(16, 4))).astype(np.float32)
    ours = tl.BatchNormalization()
    theirs = keras.layers.BatchNormalization()
    y, y_k = ours.forward(x, training=True), theirs(x, training=True).numpy()
    assert rel(y, y_k) < 1e-3
    one_pass = (x * x).mean(axis=0) - x.mean(axis=0) ** 2
    assert rel(one_pass, x.var(axis=0, dtype=np.float64)) > 1e-2  # what two passes avoid


# -- a small network trained against Keras --------------------------------------------------
def keras_net(variant):
    kw = {"kernel_regularizer": keras.regularizers.L2(1e-2)} if variant == "l2" else {}
    model = keras.Sequential([
        keras.Input((8, 8, 2), dtype="float64"),
        keras.layers.Conv2D(4, 3, dtype="float64", **kw),
        keras.layers.BatchNormalization(dtype="float64"),
        keras.layers.Activation("relu", dtype="float64"),
        keras.layers.AveragePooling2D(2, dtype="float64"),
        keras.layers.Flatten(dtype="float64"),
        keras.layers.Dense(6, dtype="float64", **kw),
        keras.layers.BatchNormalization(momentum=0.9, dtype="float64"),
        keras.layers.Activation("relu", dtype="float64"),
        keras.layers.Dense(3, activation="softmax", dtype="float64", **kw),
    ])
    if variant == "frozen":
        model.layers[1].trainable = False
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("variant", ["plain", "l2", "frozen"])
def test_bn_network_trains_like_keras_for_10_adam_steps(variant, keras_float64):
    km = keras_net(variant)
    rng = np.random.default_rng(9)
    weights = [rng.uniform(0.5, 2.0, w.shape) if "moving_variance" in w.path
               else rng.normal(0, 0.5, w.shape) for w in km.weights]
    km.set_weights(weights)
    tm = from_keras(km)  # the layers, the flag, the regularizer, the optimizer and loss
    assert [layer.trainable for layer in tm.layers] == [layer.trainable for layer in km.layers]
    for step in range(10):
        x = rng.normal(0.3 * step, 1.0 + 0.2 * step, (16, 8, 8, 2))  # drifting statistics
        y = rng.integers(0, 3, 16)
        k_loss = float(km.train_on_batch(x, y))
        t_loss = tm.train_on_batch(x, y)
        assert t_loss == pytest.approx(k_loss, rel=1e-8), f"step {step}"
    x = rng.normal(size=(5, 8, 8, 2))
    assert rel(tm.predict(x, verbose=0), km.predict(x, verbose=0)) < 1e-8
    for w, t, k in zip(km.weights, tm.get_weights(), km.get_weights(), strict=True):
        assert rel(t, k) < 1e-8, w.path  # the moving statistics included
    if variant == "frozen":  # the frozen BN kept its starting γ, β and statistics
        for t, start in zip(tm.layers[1].get_weights(), weights[2:6], strict=True):
            np.testing.assert_array_equal(t, start)


@pytest.mark.parametrize("variant", ["plain", "frozen"])
def test_summary_counts_match_keras(variant):
    km = keras_net(variant)
    tm = from_keras(km)
    lines = []
    tm.summary(print_fn=lines.append)
    counts = {line.split(":")[0].strip(): int(line.split(":")[1].replace(",", ""))
              for line in lines if "params:" in line}
    trainable = sum(int(np.prod(w.shape)) for w in km.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in km.non_trainable_weights)
    assert counts == {"Total params": km.count_params(), "Trainable params": trainable,
                      "Non-trainable params": frozen}
    assert frozen == (20 if variant == "plain" else 28)


def test_to_keras_keeps_bn_options_and_the_frozen_flag():
    model = tinynet.Sequential([
        tl.Input((3, 3, 2)),
        tl.BatchNormalization(momentum=0.8, epsilon=1e-4, center=False, trainable=False),
        tl.Flatten(), tl.Dense(2), tl.BatchNormalization(scale=False)])
    km = to_keras(model, compile=False)
    bn = km.layers[0]
    assert (bn.momentum, bn.epsilon, bn.center, bn.scale, bn.trainable) == (0.8, 1e-4, False,
                                                                           True, False)
    assert [w.path.split("/")[-1] for w in km.layers[3].weights] == [
        "beta", "moving_mean", "moving_variance"]
    back = from_keras(km, compile=False)
    assert back.layers[0].get_config() == model.layers[0].get_config()


@pytest.mark.parametrize("option, value", [("renorm", True), ("synchronized", True),
                                           ("gamma_regularizer", "l2")])
def test_from_keras_refuses_bn_options_tinynet_lacks(option, value):
    km = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(**{option: value})])
    with pytest.raises(ValueError, match=option):
        from_keras(km)
