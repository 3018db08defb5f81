"""SimpleRNN, LSTM, GRU and Embedding against Keras's GradientTape, float64, every option."""

import itertools

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

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
