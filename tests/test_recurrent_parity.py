"""SimpleRNN, LSTM, GRU and Embedding against Keras's GradientTape, float64, every option."""

import itertools

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

import tinynet  # noqa: E402
from tinynet.layers.embedding import Embedding  # noqa: E402
from tinynet.layers.gru import GRU  # noqa: E402
from tinynet.layers.lstm import LSTM  # noqa: E402
from tinynet.layers.simple_rnn import SimpleRNN  # noqa: E402

TOL = 1e-6  # the target; measured errors are about 1e-15
PAIRS = {  # name: (tinynet class, Keras class, extra constructor arguments)
    "simple_rnn": (SimpleRNN, "SimpleRNN", {}),
    "lstm": (LSTM, "LSTM", {}),
    "gru": (GRU, "GRU", {"reset_after": True}),
    "gru_reset_before": (GRU, "GRU", {"reset_after": False}),
}


def relative_error(a, b):
    """max |a − b| / max |b|: the error on the scale of Keras's array."""
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def keras_run(layer_cls, kwargs, weights, x, g):
    """Keras's output, and the gradients of Σ out ⊙ G for x and each weight, in float64."""
    twin = getattr(keras.layers, layer_cls)(dtype="float64", **kwargs)
    twin.build(x.shape)
    twin.set_weights(weights)
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = twin(x)
    grads = tape.gradient(out, [x, *twin.trainable_weights], output_gradients=tf.constant(g))
    return out.numpy(), [tf.convert_to_tensor(d).numpy() for d in grads]


def assert_same_as_keras(name, kwargs, shape, seed):
    cls, keras_cls, extra = PAIRS[name]
    kwargs = {**extra, **kwargs}
    rng = np.random.default_rng(seed)
    layer = cls(dtype="float64", **kwargs)
    x = rng.uniform(-1, 1, shape)
    layer.forward(x)
    for w in layer.params.values():  # random everywhere, biases too (never zero, never ones)
        w[...] = rng.uniform(-0.8, 0.8, w.shape)
    out = layer.forward(x)
    g = rng.standard_normal(out.shape)  # loss = Σ out ⊙ G
    dx = layer.backward(g)
    k_out, (k_dx, *k_grads) = keras_run(keras_cls, kwargs, layer.get_weights(), x, g)
    errors = {"output": relative_error(out, k_out), "dx": relative_error(dx, k_dx)}
    assert len(k_grads) == len(layer.params)
    for key, k_grad in zip(layer.params, k_grads, strict=True):
        errors[key] = relative_error(layer.grads[key], k_grad)
    bad = {k: e for k, e in errors.items() if not e < TOL}
    assert not bad, f"{name} {kwargs}: relative errors against Keras {bad}"


@pytest.mark.parametrize("return_sequences, go_backwards, use_bias",
                         list(itertools.product([False, True], repeat=3)))
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_layer_matches_keras(name, return_sequences, go_backwards, use_bias):
    kwargs = {"units": 4, "return_sequences": return_sequences, "go_backwards": go_backwards,
              "use_bias": use_bias}
    seed = 4 * sorted(PAIRS).index(name) + 2 * return_sequences + go_backwards
    assert_same_as_keras(name, kwargs, (3, 6, 5), seed=seed)


@pytest.mark.parametrize("name, kwargs", [
    ("simple_rnn", {"activation": "relu"}),
    ("simple_rnn", {"activation": "sigmoid", "return_sequences": True}),
    ("lstm", {"activation": "sigmoid", "recurrent_activation": "tanh"}),
    ("lstm", {"unit_forget_bias": False, "return_sequences": True}),
    ("gru", {"activation": None, "recurrent_activation": "tanh", "return_sequences": True}),
    ("gru_reset_before", {"activation": "sigmoid", "go_backwards": True}),
])
def test_other_activations_match_keras(name, kwargs):
    assert_same_as_keras(name, {"units": 3, **kwargs}, (2, 7, 3), seed=11)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_longer_sequence_and_single_feature(name):
    assert_same_as_keras(name, {"units": 2, "return_sequences": True}, (2, 15, 1), seed=5)


def test_lstm_bias_at_init_matches_keras():
    """unit_forget_bias: [0…, 1…, 0…, 0…], in the same order as Keras's."""
    layer = LSTM(3)
    layer.forward(np.zeros((1, 2, 2)))
    twin = keras.layers.LSTM(3)
    twin.build((1, 2, 2))
    np.testing.assert_array_equal(layer.params["bias"], twin.get_weights()[2])


@pytest.mark.parametrize("cls, keras_cls", [(SimpleRNN, "SimpleRNN"), (LSTM, "LSTM"),
                                            (GRU, "GRU")])
def test_weight_shapes_match_keras(cls, keras_cls):
    layer = cls(5)
    layer.forward(np.zeros((1, 4, 3)))
    twin = getattr(keras.layers, keras_cls)(5)
    twin.build((1, 4, 3))
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in twin.get_weights()]


def test_keras_orthogonal_is_orthogonal_like_ours():
    """Keras's orthogonal recurrent kernel passes the same test ours does."""
    twin = keras.layers.SimpleRNN(6)
    twin.build((1, 2, 3))
    u = twin.get_weights()[1]
    np.testing.assert_allclose(u.T @ u, np.eye(6), atol=1e-5)


def test_embedding_matches_keras():
    rng = np.random.default_rng(3)
    layer = Embedding(7, 4, dtype="float64")
    ids = rng.integers(0, 7, (3, 9))  # 27 draws from 7 ids: many repeats
    out = layer.forward(ids)
    g = rng.standard_normal(out.shape)
    layer.backward(g)
    twin = keras.layers.Embedding(7, 4, dtype="float64")
    twin.build(ids.shape)
    twin.set_weights(layer.get_weights())
    with tf.GradientTape() as tape:
        k_out = twin(tf.constant(ids))
    (k_grad,) = tape.gradient(k_out, twin.trainable_weights, output_gradients=tf.constant(g))
    np.testing.assert_array_equal(out, k_out.numpy())
    assert relative_error(layer.grads["embeddings"], tf.convert_to_tensor(k_grad).numpy()) < TOL


# -- a whole model: 12 train_on_batch steps with Adam, with and without clipnorm ----------------
# Keras (TensorFlow backend) passes an Embedding's gradient to the optimizer as IndexedSlices,
# one row per occurrence of an id. Its Adam squares those rows before adding repeats (v gets
# Σ g_i², not (Σ g_i)²), and clipnorm/global_clipnorm take the norm over occurrences. tinynet
# uses the dense gradient (repeats added first, the true ∂L/∂E), so the two agree exactly when no
# id repeats within a batch: the steps below draw each batch's ids without replacement.
VOCAB, T, CLASSES, BATCH = 70, 7, 4, 9


def recurrent_stack(make, **adam):
    """Embedding → LSTM(return_sequences) → GRU → Dense(softmax), in Keras or tinynet."""
    layers = make.layers
    model = make.Sequential([
        keras.Input((T,), dtype="int32") if make is keras else make.layers.Input((T,)),
        layers.Embedding(VOCAB, 5, dtype="float64"),
        layers.LSTM(6, return_sequences=True, dtype="float64"),
        layers.GRU(4, dtype="float64"),
        layers.Dense(CLASSES, activation="softmax", dtype="float64"),
    ])
    opt = (keras.optimizers.Adam if make is keras else tinynet.optimizers.Adam)(**adam)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    return model


def twin_stacks(rng, **adam):
    ours, theirs = recurrent_stack(tinynet, **adam), recurrent_stack(keras, **adam)
    weights = [rng.uniform(-0.5, 0.5, w.shape) for w in ours.get_weights()]  # biases ≠ 0
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


@pytest.mark.parametrize("adam", [{}, {"clipnorm": 0.05}, {"global_clipnorm": 0.1},
                                  {"learning_rate": 0.01, "clipvalue": 0.02}],
                         ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()) or "plain")
def test_twelve_train_on_batch_steps_match_keras(keras_float64, adam):
    rng = np.random.default_rng(12)
    ours, theirs = twin_stacks(rng, **adam)
    clipped = 0
    for _ in range(12):
        x = rng.permutation(VOCAB)[:BATCH * T].reshape(BATCH, T)  # no id twice in a batch
        y = rng.integers(0, CLASSES, BATCH)
        loss = ours.train_on_batch(x, y)
        grads = ours.gradients()
        clipped += any(not np.array_equal(g, grads[k])
                       for k, g in ours.optimizer.clip_gradients(grads).items())
        k_loss = theirs.train_on_batch(x.astype("int32"), y)
        assert abs(loss - k_loss) <= 1e-9 * abs(k_loss), (loss, k_loss)
    assert clipped == (12 if adam else 0)  # the clipping options did clip, every step
    for w, k_w in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(w, k_w, rtol=1e-8, atol=1e-12)


def test_repeated_ids_keras_squares_each_occurrence(keras_float64):
    """Pins the difference described above: one Adam step with an id used twice in the batch
    moves that row differently in Keras (v = Σ g_i²) and in tinynet (v = (Σ g_i)²), and nothing
    else. If a Keras release densifies the gradient, this test tells."""
    rng = np.random.default_rng(3)
    ours, theirs = twin_stacks(rng)
    x = rng.permutation(VOCAB)[:BATCH * T].reshape(BATCH, T)
    x[1, 2] = x[0, 0]  # id x[0, 0] twice
    y = rng.integers(0, CLASSES, BATCH)
    ours.train_on_batch(x, y)
    theirs.train_on_batch(x.astype("int32"), y)
    E, k_E = ours.get_weights()[0], theirs.get_weights()[0]
    differs = np.flatnonzero(np.abs(E - k_E).max(axis=1) > 1e-12)
    assert differs.tolist() == [x[0, 0]]
    for w, k_w in zip(ours.get_weights()[1:], theirs.get_weights()[1:], strict=True):
        np.testing.assert_allclose(w, k_w, rtol=1e-12, atol=1e-15)


# -- interop: to_keras / from_keras ---------------------------------------------------------------
def test_to_keras_and_back_give_the_same_predictions():
    from tinynet.tools.interop import from_keras, to_keras

    model = tinynet.Sequential([
        tinynet.layers.Input((6,)), tinynet.layers.Embedding(11, 4),
        tinynet.layers.GRU(5, reset_after=False, return_sequences=True, go_backwards=True),
        tinynet.layers.SimpleRNN(3, activation="relu", return_sequences=True),
        tinynet.layers.LSTM(4, unit_forget_bias=False, recurrent_activation="tanh"),
        tinynet.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=tinynet.optimizers.Adam(clipnorm=1.0),
                  loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).integers(0, 11, (7, 6))
    model.train_on_batch(x, np.arange(7) % 2)  # optimizer state to carry across
    km = to_keras(model)
    assert km.count_params() == model.count_params()
    assert km.optimizer.clipnorm == 1.0
    np.testing.assert_allclose(km.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-7)
    back = from_keras(km)
    assert [layer.get_config() for layer in back.layers] == [
        layer.get_config() for layer in model.layers]
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    assert back.optimizer.iterations == 1


@pytest.mark.parametrize("named, make", [
    ("uses dropout=0.2", lambda: keras.layers.LSTM(3, dropout=0.2)),
    ("uses recurrent_dropout=0.1", lambda: keras.layers.GRU(3, recurrent_dropout=0.1)),
    ("uses stateful=True", lambda: keras.layers.SimpleRNN(3, stateful=True)),
    ("exponential", lambda: keras.layers.LSTM(3, recurrent_activation="exponential")),
])
def test_from_keras_refuses_unimplemented_recurrent_options_by_name(named, make):
    from tinynet.tools.interop import from_keras

    km = keras.Sequential([keras.Input(batch_shape=(4, 5, 2)), make()])  # stateful: fixed batch
    with pytest.raises(ValueError, match=named):
        from_keras(km)


def test_from_keras_refuses_mask_zero():
    from tinynet.tools.interop import from_keras

    km = keras.Sequential([keras.Input((5,)), keras.layers.Embedding(9, 2, mask_zero=True),
                           keras.layers.LSTM(2)])
    with pytest.raises(ValueError, match="uses mask_zero=True"):
        from_keras(km)
