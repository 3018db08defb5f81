"""to_keras and from_keras: exact round trips of layers, weights and compile; refusals named."""

import builtins

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_parity_random_models import build, optimizer_configs, stacks

import tinynet
from tinynet import layers as tl
from tinynet.tools.interop import from_keras, to_keras


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


# -- the book's two models, as listings 4.3 and 4.4 write them --------------------------------
def keras_mlp(keras):
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])


def keras_cnn(keras):
    return keras.Sequential([
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


def tinynet_mlp():
    return tinynet.Sequential([tl.Input((28, 28)), tl.Flatten(), tl.Dense(512, activation="relu"),
                               tl.Dropout(0.2), tl.Dense(10, activation="softmax")])


def tinynet_cnn():
    return tinynet.Sequential([
        tl.Input((28, 28, 1)),
        tl.Conv2D(32, (3, 3), activation="relu"), tl.MaxPooling2D((2, 2)),
        tl.Conv2D(64, (3, 3), activation="relu"), tl.MaxPooling2D((2, 2)),
        tl.Conv2D(64, (3, 3), activation="relu"), tl.Flatten(),
        tl.Dense(64, activation="relu"), tl.Dense(10, activation="softmax"),
    ])


BOOK = {"mlp": (keras_mlp, tinynet_mlp, 407_050), "cnn": (keras_cnn, tinynet_cnn, 93_322)}
COMPILE = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
           "metrics": ["accuracy"]}


# -- comparisons ---------------------------------------------------------------------------
def assert_same_keras(a, b):
    """Two Keras models with the same layer configs, input, weights (bit for bit) and compile."""
    assert a.name == b.name and a.input_shape == b.input_shape
    assert [layer.get_config() for layer in a.layers] == [layer.get_config() for layer in b.layers]
    assert_same_weights(a.get_weights(), b.get_weights())
    if a.compiled:
        ca, cb = a.get_compile_config(), b.get_compile_config()
        for config in (ca, cb):  # Keras numbers optimizer names per session: adam, adam_1...
            config["optimizer"]["config"].pop("name")
        assert ca == cb


def assert_same_tinynet(a, b):
    """Two tinynet models with the same layer configs, input, weights and compile."""
    assert a.name == b.name and a.input_shape == b.input_shape
    assert [type(layer) for layer in a.layers] == [type(layer) for layer in b.layers]
    assert [layer.get_config() for layer in a.layers] == [layer.get_config() for layer in b.layers]
    assert_same_weights(a.get_weights(), b.get_weights())
    if a.loss is not None:
        assert a.loss.name == b.loss.name and a.metric_names == b.metric_names
        ca, cb = a.optimizer.get_config(), b.optimizer.get_config()
        # Keras keeps the learning rate in a float32 variable: 0.001 comes back as
        # 0.0010000000474974513, which is the float32 both frameworks compute with.
        for config in (ca, cb):
            config["config"]["learning_rate"] = np.float32(config["config"]["learning_rate"])
        assert ca == cb


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for wa, wb in zip(a, b, strict=True):
        assert wa.dtype == wb.dtype and wa.shape == wb.shape
        np.testing.assert_array_equal(wa, wb)  # copied, never recomputed: bit for bit


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", BOOK)
def test_book_model_from_keras_and_back_is_exact(keras, kind):
    keras_model, _, params = BOOK[kind]
    km = keras_model(keras)
    km.compile(**COMPILE)
    tm = from_keras(km)
    assert [type(layer).__name__ for layer in tm.layers] == \
        [type(layer).__name__ for layer in km.layers]
    assert [layer.name for layer in tm.layers] == [layer.name for layer in km.layers]
    assert tm.count_params() == km.count_params() == params
    assert tm.loss.name == "sparse_categorical_crossentropy"
    assert tm.metric_names == ["accuracy"]
    assert type(tm.optimizer).__name__ == "Adam"
    assert_same_weights(tm.get_weights(), km.get_weights())
    assert_same_keras(to_keras(tm), km)


@pytest.mark.parametrize("kind", BOOK)
def test_book_model_to_keras_and_back_is_exact(keras, kind):
    _, tinynet_model, params = BOOK[kind]
    tm = tinynet_model()
    tm.compile(**COMPILE)
    km = to_keras(tm)
    assert km.count_params() == params
    assert [layer.name for layer in km.layers] == [layer.name for layer in tm.layers]
    assert km.get_compile_config()["loss"] == "sparse_categorical_crossentropy"
    assert km.get_compile_config()["metrics"] == ["accuracy"]
    assert_same_tinynet(from_keras(km), tm)


@given(stack=stacks(), opt=optimizer_configs(), metrics=st.sampled_from([[], ["accuracy"]]),
       seed=st.integers(0, 2**32 - 1))
def test_random_stacks_round_trip_exactly(keras, stack, opt, metrics, seed):
    keras.utils.clear_session()
    tm = build(*stack, optimizer=opt, seed=seed)
    tm.compile(optimizer=tm.optimizer, loss=tm.loss, metrics=metrics)
    km = to_keras(tm)
    back = from_keras(km)
    assert_same_tinynet(back, tm)
    assert_same_keras(to_keras(back), km)
    rng = np.random.default_rng(seed)
    if np.issubdtype(tm.input_dtype, np.integer):  # token ids for an Embedding
        x = rng.integers(0, tm.layers[0].input_dim, size=(2, *tm.input_shape))
    else:
        x = rng.normal(size=(2, *tm.input_shape)).astype(np.float32)
    np.testing.assert_array_equal(back(x), tm(x))


def test_compile_false_converts_only_the_network(keras):
    km = keras_mlp(keras)
    km.compile(**COMPILE)
    assert from_keras(km, compile=False).loss is None
    tm = tinynet_mlp()
    tm.compile(**COMPILE)
    assert not to_keras(tm, compile=False).compiled


def test_loss_and_metric_objects_carry_over_by_their_tinynet_names(keras):
    km = keras_mlp(keras)
    km.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
               loss=keras.losses.SparseCategoricalCrossentropy(),
               metrics=[keras.metrics.SparseCategoricalAccuracy(), "mae",
                        keras.metrics.mean_squared_error])
    tm = from_keras(km)
    assert tm.loss.name == "sparse_categorical_crossentropy"
    assert tm.metric_names == ["sparse_categorical_accuracy", "mae", "mean_squared_error"]
    assert tm.optimizer.get_config()["config"] == pytest.approx(
        {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True})


# -- optimizer state: training continues where the other framework stopped --------------------
OPTIMIZERS = [("SGD", {"momentum": 0.9, "nesterov": True}),
              ("RMSprop", {"momentum": 0.5, "centered": True}),
              ("Adagrad", {}), ("Adadelta", {"learning_rate": 1.0}), ("Adam", {"amsgrad": True})]


def small_task(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 8, 6, 6, 2)).astype(np.float32)  # 3 batches of 8 images
    return x, rng.integers(0, 3, size=(3, 8))


def small_keras(keras, name, kwargs):
    km = keras.Sequential([keras.Input((6, 6, 2)),
                           keras.layers.Conv2D(3, 3, padding="same", activation="tanh"),
                           keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                           keras.layers.Dense(3, activation="softmax")])
    km.compile(optimizer=getattr(keras.optimizers, name)(**kwargs),
               loss="sparse_categorical_crossentropy", run_eagerly=True)
    return km


def keras_slots(km):
    return {v.name: v.numpy() for v in km.optimizer.variables
            if v.name not in ("iteration", "learning_rate")}


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_from_keras_continues_training_with_the_optimizer_state(keras, name, kwargs):
    x, y = small_task()
    km = small_keras(keras, name, kwargs)
    km.train_on_batch(x[0], y[0])
    km.train_on_batch(x[1], y[1])
    tm = from_keras(km)
    assert tm.optimizer.iterations == 2
    ours = {f"{km.name}_{key.replace('/', '_')}_{slot}": a  # Keras's names for its slots
            for key, slots in tm.optimizer.slots.items() for slot, a in slots.items()}
    theirs = keras_slots(km)
    assert ours.keys() == theirs.keys()
    for key, a in ours.items():
        np.testing.assert_array_equal(a, theirs[key], err_msg=key)  # copied: bit for bit

    km.train_on_batch(x[2], y[2])
    tm.train_on_batch(x[2], y[2])
    # One more step from equal states: float32 sums in another order differ by a few EPS32,
    # which the step's size (lr ≤ 1 times a normalized gradient) keeps below 1e-6.
    for w, kw in zip(tm.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(w, kw, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_to_keras_continues_training_with_the_optimizer_state(keras, name, kwargs):
    x, y = small_task()
    tm = from_keras(small_keras(keras, name, kwargs))
    tm.train_on_batch(x[0], y[0])
    tm.train_on_batch(x[1], y[1])
    km = to_keras(tm)
    km.run_eagerly = True
    assert int(km.optimizer.iterations.numpy()) == 2
    theirs = keras_slots(km)
    for key, slots in tm.optimizer.slots.items():
        for slot, a in slots.items():
            np.testing.assert_array_equal(theirs[f"{tm.name}_{key.replace('/', '_')}_{slot}"], a)

    km.train_on_batch(x[2], y[2])
    tm.train_on_batch(x[2], y[2])
    for w, kw in zip(tm.get_weights(), km.get_weights(), strict=True):  # as above
        np.testing.assert_allclose(w, kw, rtol=1e-5, atol=1e-6)


# -- what cannot convert is refused, by name ----------------------------------------------------
LAYERS = {  # unsupported layer: (input shape, the layer)
    "LayerNormalization": ((4,), lambda k: k.layers.LayerNormalization()),
    "Bidirectional": ((5, 4), lambda k: k.layers.Bidirectional(k.layers.LSTM(3))),
    "GlobalMaxPooling2D": ((4, 4, 1), lambda k: k.layers.GlobalMaxPooling2D()),
    "Conv1D": ((5, 4), lambda k: k.layers.Conv1D(2, 3)),
}


@pytest.mark.parametrize("kind", LAYERS)
def test_an_unsupported_layer_is_named(keras, kind):
    shape, make = LAYERS[kind]
    km = keras.Sequential([keras.Input(shape), make(keras)])
    with pytest.raises(ValueError, match=f"of type {kind} is not supported"):
        from_keras(km)


OPTIONS = {  # option named in the error: (input shape, a layer that uses it)
    "dilation_rate": ((8, 8, 1), lambda k: k.layers.Conv2D(2, 3, dilation_rate=2)),
    "groups": ((8, 8, 2), lambda k: k.layers.Conv2D(2, 3, groups=2)),
    "kernel_regularizer": ((4,), lambda k: k.layers.Dense(
        2, kernel_regularizer=k.regularizers.OrthogonalRegularizer())),
    "bias_constraint": ((4,), lambda k: k.layers.Dense(2, bias_constraint="non_neg")),
    "activity_regularizer": ((8, 8, 1), lambda k: k.layers.Conv2D(2, 3,
                                                                  activity_regularizer="l1")),
    "noise_shape": ((4,), lambda k: k.layers.Dropout(0.5, noise_shape=(1, 4))),
    "renorm": ((4,), lambda k: k.layers.BatchNormalization(renorm=True)),
    "activation": ((4,), lambda k: k.layers.Dense(2, activation="mish")),
    "data_format": ((1, 8, 8), lambda k: k.layers.MaxPooling2D(data_format="channels_first")),
    "dtype": ((4,), lambda k: k.layers.Dense(2, dtype="float16")),
}


@pytest.mark.parametrize("option", OPTIONS)
def test_an_unsupported_layer_option_is_named(keras, option):
    shape, make = OPTIONS[option]
    km = keras.Sequential([keras.Input(shape), make(keras)])
    with pytest.raises(ValueError, match=f"uses {option}="):
        from_keras(km)


COMPILE_OPTIONS = {  # option named in the error: the compile arguments that use it
    "use_ema": lambda k: {"optimizer": k.optimizers.Adam(use_ema=True)},
    "weight_decay": lambda k: {"optimizer": k.optimizers.SGD(weight_decay=0.01)},
    "from_logits": lambda k: {"loss": k.losses.SparseCategoricalCrossentropy(from_logits=True)},
    "ignore_class": lambda k: {"loss": k.losses.SparseCategoricalCrossentropy(ignore_class=0)},
    "label_smoothing": lambda k: {"loss": k.losses.CategoricalCrossentropy(label_smoothing=0.1)},
    "threshold": lambda k: {"metrics": [k.metrics.BinaryAccuracy(threshold=0.7)]},
    "loss_weights": lambda k: {"loss_weights": [0.5]},
}


@pytest.mark.parametrize("option", COMPILE_OPTIONS)
def test_an_unsupported_compile_option_is_named(keras, option):
    km = keras_mlp(keras)
    km.compile(**{**COMPILE, **COMPILE_OPTIONS[option](keras)})
    with pytest.raises(ValueError, match=option):
        from_keras(km)


def test_only_built_sequential_models_convert(keras):
    inputs = keras.Input((4,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="only keras.Sequential"):
        from_keras(functional)
    with pytest.raises(ValueError, match="build the Keras model first"):
        from_keras(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="build 'unbuilt' first"):
        to_keras(tinynet.Sequential([tl.Dense(2)], name="unbuilt"))


# -- without TensorFlow ------------------------------------------------------------------------
def test_without_keras_the_error_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_keras(name, *args, **kwargs):
        if name.split(".")[0] in ("keras", "tensorflow"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_keras)
    model = tinynet_mlp()
    for convert in (to_keras, from_keras):
        with pytest.raises(ImportError, match=r"uv sync.*pip install 'tinynet\[keras\]'"):
            convert(model)
