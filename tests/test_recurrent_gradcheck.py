"""SimpleRNN, LSTM, GRU and Embedding against central differences (float64), NumPy only.

Plus shapes, the go_backwards rule, bias layouts, the orthogonal initializer and bad input.
"""

import numpy as np
import pytest
from gradcheck import check_layer, numerical_gradient, relative_error
from hypothesis import given, settings
from hypothesis import strategies as st

from tinynet import initializers
from tinynet.layers.embedding import Embedding
from tinynet.layers.gru import GRU
from tinynet.layers.lstm import LSTM
from tinynet.layers.simple_rnn import SimpleRNN

KINDS = {
    "simple_rnn": lambda u, **kw: SimpleRNN(u, **kw),
    "lstm": lambda u, **kw: LSTM(u, **kw),
    "gru": lambda u, **kw: GRU(u, reset_after=True, **kw),
    "gru_before": lambda u, **kw: GRU(u, reset_after=False, **kw),
}


def randomize(layer, rng, scale=0.7):
    """Every weight random, biases included (a zero bias hides bias-block mistakes)."""
    for w in layer.params.values():
        w[...] = rng.uniform(-scale, scale, w.shape)


@st.composite
def rnn_cases(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 3)))
    kwargs = {"return_sequences": draw(st.booleans()), "go_backwards": draw(st.booleans()),
              "use_bias": draw(st.booleans()),
              "activation": draw(st.sampled_from(["tanh", "tanh", "sigmoid", None]))}
    if kind != "simple_rnn":
        kwargs["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "sigmoid", "tanh"]))
    return kind, draw(st.integers(1, 3)), kwargs, shape, draw(st.integers(0, 2**16))


@settings(max_examples=40)
@given(rnn_cases())
def test_gradients_match_central_differences(case):
    kind, units, kwargs, shape, seed = case
    rng = np.random.default_rng(seed)
    layer = KINDS[kind](units, dtype="float64", **kwargs)
    x = rng.uniform(-1, 1, shape)
    layer.forward(x)
    randomize(layer, rng)
    check_layer(layer, x, seed=seed)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_long_sequence_gradients(kind):
    """T = 12 with return_sequences: dh (and dc) must travel through every step."""
    rng = np.random.default_rng(1)
    layer = KINDS[kind](4, dtype="float64", return_sequences=True)
    x = rng.uniform(-1, 1, (2, 12, 3))
    layer.forward(x)
    randomize(layer, rng)
    check_layer(layer, x, seed=1)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_compute_dx_false_skips_dx_but_keeps_weight_gradients(kind):
    rng = np.random.default_rng(2)
    layer = KINDS[kind](3, dtype="float64")
    x = rng.uniform(-1, 1, (2, 5, 2))
    dy = rng.standard_normal((2, 3))
    layer.forward(x)
    randomize(layer, rng)
    layer.forward(x)
    layer.backward(dy)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    layer.compute_dx = False
    layer.forward(x)
    assert layer.backward(dy) is None
    for k, g in layer.grads.items():
        np.testing.assert_array_equal(g, grads[k])


# -- what the layers compute, beyond their gradients -----------------------------------------
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_go_backwards_reads_the_reversed_sequence(kind):
    """go_backwards on x equals the forward layer on x[:, ::-1], outputs in reading order."""
    rng = np.random.default_rng(3)
    fwd = KINDS[kind](3, dtype="float64", return_sequences=True)
    bwd = KINDS[kind](3, dtype="float64", return_sequences=True, go_backwards=True)
    x = rng.uniform(-1, 1, (2, 6, 4))
    fwd.forward(x)
    randomize(fwd, rng)
    bwd.forward(x)
    bwd.set_weights(fwd.get_weights())
    np.testing.assert_allclose(bwd.forward(x), fwd.forward(x[:, ::-1]), rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_last_output_is_the_last_step_of_the_sequence(kind):
    rng = np.random.default_rng(4)
    seq = KINDS[kind](3, dtype="float64", return_sequences=True)
    last = KINDS[kind](3, dtype="float64")
    x = rng.uniform(-1, 1, (2, 5, 4))
    seq.forward(x)
    randomize(seq, rng)
    last.forward(x)
    last.set_weights(seq.get_weights())
    assert last.output_shape == (3,) and seq.output_shape == (5, 3)
    np.testing.assert_array_equal(last.forward(x), seq.forward(x)[:, -1])


def test_weight_shapes_and_bias_layouts():
    x = np.zeros((1, 5, 7))
    shapes = {}
    for name, layer in [("rnn", SimpleRNN(3)), ("lstm", LSTM(3)), ("gru", GRU(3)),
                        ("gru_before", GRU(3, reset_after=False)), ("nobias", LSTM(3, use_bias=0))]:
        layer.forward(x)
        shapes[name] = [w.shape for w in layer.get_weights()]
    assert shapes == {"rnn": [(7, 3), (3, 3), (3,)], "lstm": [(7, 12), (3, 12), (12,)],
                      "gru": [(7, 9), (3, 9), (2, 9)], "gru_before": [(7, 9), (3, 9), (9,)],
                      "nobias": [(7, 12), (3, 12)]}


def test_lstm_unit_forget_bias_starts_the_f_block_at_one():
    layer = LSTM(4)
    layer.forward(np.zeros((1, 2, 3)))
    np.testing.assert_array_equal(layer.params["bias"], np.repeat([0.0, 1.0, 0.0, 0.0], 4))
    plain = LSTM(4, unit_forget_bias=False)
    plain.forward(np.zeros((1, 2, 3)))
    np.testing.assert_array_equal(plain.params["bias"], np.zeros(16))


def test_lstm_step_by_hand():
    """One unit, one step, every weight 0.5: the equations written out with math only."""
    layer = LSTM(1, dtype="float64", unit_forget_bias=False)
    layer.forward(np.zeros((1, 1, 1)))
    layer.set_weights([np.full((1, 4), 0.5), np.full((1, 4), 0.5), np.full(4, 0.5)])
    sig = 1 / (1 + np.exp(-1.5))  # z = 2·0.5 + 0·0.5 + 0.5 = 1.5 in every block
    c = sig * np.tanh(1.5)  # f·c_0 = 0
    np.testing.assert_allclose(layer.forward(np.full((1, 1, 1), 2.0)), [[sig * np.tanh(c)]])


# -- Embedding -------------------------------------------------------------------------------
@settings(max_examples=20)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(1, 5),
       st.integers(0, 2**16))
def test_embedding_gradient_is_a_scatter_add(vocab, dim, n, t, seed):
    rng = np.random.default_rng(seed)
    layer = Embedding(vocab, dim, dtype="float64")
    ids = rng.integers(0, vocab, (n, t))  # small vocabularies: ids repeat
    layer.forward(ids)
    r = rng.standard_normal((n, t, dim))
    layer.backward(r)
    numeric = numerical_gradient(lambda: float(np.sum(layer.forward(ids) * r)),
                                 layer.params["embeddings"])
    assert relative_error(layer.grads["embeddings"], numeric) < 1e-8


def test_embedding_repeated_ids_add_up():
    layer = Embedding(3, 2, dtype="float64")
    layer.forward(np.array([[1, 1, 2]]))
    layer.backward(np.array([[[1.0, 2.0], [10.0, 20.0], [5.0, 6.0]]]))
    np.testing.assert_array_equal(layer.grads["embeddings"], [[0, 0], [11, 22], [5, 6]])


def test_embedding_looks_up_rows_and_keeps_ids_integer():
    layer = Embedding(5, 2)
    y = layer.forward(np.array([[4, 0], [2, 2]], dtype=np.int32))
    E = layer.params["embeddings"]
    assert y.shape == (2, 2, 2) and y.dtype == np.float32 and layer.x.dtype == np.int64
    np.testing.assert_array_equal(y[1, 0], E[2])
    assert np.all(np.abs(E) <= 0.05) and np.ptp(E) > 0  # Keras's uniform in ±0.05
    assert layer.output_shape == (2, 2)


@pytest.mark.parametrize("ids, error, match", [
    ([[0, 5]], ValueError, "token id 5 is outside"),
    ([[-1, 0]], ValueError, "token id -1"),
    ([[0.5, 1]], TypeError, "integer token ids"),
])
def test_embedding_rejects_bad_ids(ids, error, match):
    with pytest.raises(error, match=match):
        Embedding(5, 2).forward(np.array(ids))


# -- refused Keras options and bad input -------------------------------------------------------
@pytest.mark.parametrize("option, value", [("dropout", 0.2), ("recurrent_dropout", 0.1),
                                           ("stateful", True), ("return_state", True),
                                           ("unroll", True)])
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_unimplemented_keras_options_are_refused_by_name(cls, option, value):
    with pytest.raises(ValueError, match=f"{option}={value!r} is not implemented"):
        cls(2, **{option: value})
    cls(2, **{option: {"dropout": 0.0, "recurrent_dropout": 0.0}.get(option, False)})


def test_embedding_refuses_mask_zero():
    with pytest.raises(ValueError, match="mask_zero=True is not implemented"):
        Embedding(10, 2, mask_zero=True)


def test_recurrent_layers_need_3d_input_and_positive_units():
    with pytest.raises(ValueError, match="3-D input"):
        LSTM(2).forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="units must be a positive int"):
        GRU(0)


# -- the orthogonal initializer (Keras's QR with the sign fix) --------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6), (2, 3, 5)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    w = initializers.initialize("orthogonal", shape, "float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-12)


def test_orthogonal_is_q_with_columns_signed_by_diag_r():
    """Q·diag(sign(diag R)) of a normal draw is the unique QR with a positive diagonal of R."""
    a = np.random.default_rng(5).normal(size=(5, 3))
    w = initializers.orthogonal((3, 5), np.random.default_rng(5))  # wide: the transpose
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(w, (q * np.sign(np.diag(r))).T)
    assert np.all(np.diag(w @ a) > 0)  # R = Qᵀ·a has a positive diagonal after the fix
