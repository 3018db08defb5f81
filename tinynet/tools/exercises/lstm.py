"""Exercise ``lstm``: the backward pass of one LSTM step, gates in Keras's order i, f, c, o."""

import numpy as np

from tinynet.layers.lstm import LSTM
from tinynet.tools.exercises import keras_parity
from tinynet.tools.exercises.base import Case, Exercise, Probe, unpack

GIVEN = '''
"""tinynet exercise `lstm`: write the backward pass of one LSTM step.

Weights as Keras has them: kernel (D, 4u), recurrent_kernel (u, 4u), bias (4u,), each with four
column blocks in the order i (input gate), f (forget gate), c (candidate), o (output gate).
Check it with `tinynet exercise check lstm`; `tinynet exercise start lstm --hint` gives a hint.
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# z = x·W + h_prev·U + b = [z_i z_f z_c z_o]     i, f, o = σ(z_i), σ(z_f), σ(z_o)   c̃ = tanh(z_c)
# c = f ⊙ c_prev + i ⊙ c̃      h = o ⊙ tanh(c)
def lstm_step(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One step: x (N, D), h_prev and c_prev (N, u) → h, c (N, u) and the cache for backward."""
    z = x @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=1)
    i, f, c_bar, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c = f * c_prev + i * c_bar
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "kernel": kernel,
             "recurrent_kernel": recurrent_kernel, "i": i, "f": f, "c_bar": c_bar, "o": o,
             "tanh_c": tanh_c}
    return h, c, cache
'''

STUBS = '''
def lstm_step_backward(dh, dc, cache):
    """The gradients of one step, given dh = ∂L/∂h and dc = ∂L/∂c from above (the next step).

    Shapes: dh, dc (N, u); cache as lstm_step returned it.
    Returns (dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias) of shapes
    (N, D), (N, u), (N, u), (D, 4u), (u, 4u), (4u,).
    """
    raise NotImplementedError("lstm_step_backward: write it, then `tinynet exercise check lstm`")
'''

HINT = """\
Go backwards through the forward lines. h = o ⊙ tanh(c) gives do = dh ⊙ tanh(c), and a second
path into c: the c that reaches the loss both directly (dc, from the next step) and through h,
so dc_total = dc + dh ⊙ o ⊙ (1 − tanh²(c)). Then c = f ⊙ c_prev + i ⊙ c̃ gives di, df, dc̃ and
dc_prev = dc_total ⊙ f. Through each gate's activation: σ' = σ(1 − σ), tanh' = 1 − tanh². Stack
the four pre-activation gradients in the order i, f, c, o into dz (N, 4u): from there it is a
Dense layer twice, once for x with W and once for h_prev with U."""

FORMULA = ("dc_t = dc + dh⊙o⊙(1 − tanh²c)   dz = [dc_t⊙c̃⊙i(1−i), dc_t⊙c_prev⊙f(1−f), "
           "dc_t⊙i⊙(1−c̃²), dh⊙tanh(c)⊙o(1−o)]   dx = dz·Wᵀ  dh_prev = dz·Uᵀ  dc_prev = dc_t⊙f  "
           "dW = xᵀ·dz  dU = h_prevᵀ·dz  db = Σ dz")
RETURNS = ("lstm_step_backward(dh, dc, cache) must return six arrays, (dx, dh_prev, dc_prev, "
           "dkernel, drecurrent_kernel, dbias)")


# dc_t = dc + dh ⊙ o ⊙ (1 − tanh² c)    do = dh ⊙ tanh c    di = dc_t ⊙ c̃    df = dc_t ⊙ c_prev
# dc̃ = dc_t ⊙ i    dz = [di·i(1 − i)  df·f(1 − f)  dc̃·(1 − c̃²)  do·o(1 − o)]
# dx = dz·Wᵀ   dh_prev = dz·Uᵀ   dc_prev = dc_t ⊙ f   dW = xᵀ·dz   dU = h_prevᵀ·dz   db = Σ dz
def lstm_step_backward(dh, dc, cache):
    """One LSTM step backwards: (dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias)."""
    i, f, c_bar, o, tanh_c = (cache[k] for k in ("i", "f", "c_bar", "o", "tanh_c"))
    dc_t = dc + dh * o * (1 - tanh_c**2)
    dz = np.concatenate([dc_t * c_bar * i * (1 - i), dc_t * cache["c_prev"] * f * (1 - f),
                         dc_t * i * (1 - c_bar**2), dh * tanh_c * o * (1 - o)], axis=1)
    dx = dz @ cache["kernel"].T
    dh_prev = dz @ cache["recurrent_kernel"].T
    return (dx, dh_prev, dc_t * f, cache["x"].T @ dz, cache["h_prev"].T @ dz, dz.sum(axis=0))


PARAMS = ("h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")


def _case(label, x, arrays):
    def make(fns):
        def run(x, p):
            h, c, cache = unpack(fns["lstm_step"](x, *(p[k] for k in PARAMS)), 3,
                                 "lstm_step must return (h, c, cache)")
            return np.concatenate([h, c], axis=1), cache

        def back(dy, x, p, cache):
            dh, dc = np.split(dy, 2, axis=1)
            grads = unpack(fns["lstm_step_backward"](dh, dc, cache), 6, RETURNS)
            return grads[0], dict(zip(PARAMS, grads[1:], strict=True))
        return Probe(run, back, {k: a.copy() for k, a in zip(PARAMS, arrays, strict=True)})
    return Case(label, x, make)


def cases(rng):
    n, (N, D, u) = rng.standard_normal, (3, 4, 2)
    return [_case(f"N={N}, D={D} inputs, u={u} units", n((N, D)),
                  [n((N, u)), n((N, u)), n((D, 4 * u)), n((u, 4 * u)), n(4 * u)])]


def keras(fns, case, rng):
    tf, k = keras_parity.tf_keras()
    probe, G, ours = keras_parity.learner_side(fns, case, rng)
    p = probe.params
    cell = k.layers.LSTMCell(p["h_prev"].shape[1], dtype="float64")
    cell.build(case.x.shape)
    cell.set_weights([p["kernel"], p["recurrent_kernel"], p["bias"]])
    Gh, Gc = np.split(G, 2, axis=1)

    def loss(x, h_prev, c_prev):
        _, (h, c) = cell(x, [h_prev, c_prev])
        return keras_parity._sum(h, Gh) + keras_parity._sum(c, Gc)
    theirs = keras_parity.tape(loss, [case.x, p["h_prev"], p["c_prev"]], cell.trainable_weights)
    return {name: (ours[name], g) for name, g in zip(("x", *PARAMS), theirs, strict=True)}


EXERCISE = Exercise(
    name="lstm", title="one LSTM step", level=3,
    teaches="a cell with two paths into c, and the gate blocks in Keras's order i, f, c, o",
    given=GIVEN, stubs=STUBS, hint=HINT, formula=FORMULA,
    reference={"lstm_step_backward": lstm_step_backward},
    library=(("the same step inside backpropagation through time", LSTM.backward),),
    names={"x": "dx", "h_prev": "dh_prev", "c_prev": "dc_prev", "kernel": "dkernel",
           "recurrent_kernel": "drecurrent_kernel", "bias": "dbias"},
    returns=RETURNS, cases=cases, keras=keras)
