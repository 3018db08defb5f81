"""``tinynet explain lstm``: one step of backprop through time in a tiny LSTM, number by number.

Two inputs, two units, three time steps, batch of one; the loss is the mean squared error of
the last state ``h_3`` against a target. The forward pass prints every gate at each ``t``; the
backward pass walks ``t = 3, 2, 1`` carrying ``dh`` and ``dc``, printing each gate's gradient;
then the weight gradients, summed over time, are checked against ``tinynet.layers.LSTM``.
"""

import numpy as np

from tinynet import utils
from tinynet.layers.lstm import LSTM

X = np.array([[[1.0, 0.0], [0.5, -1.0], [-1.0, 2.0]]])  # (batch 1, T = 3, 2 features)
Y = np.array([[0.5, -0.5]])  # the target of h_3
GATES = ("i", "f", "c̃", "o")  # Keras's block order in kernel, recurrent_kernel and bias


def _f(a):
    """An array on one line, 4 decimals, with −0.0 shown as 0.0000."""
    a = np.asarray(a, dtype=np.float64) + 0.0
    return "[" + ", ".join(f"{v: .4f}" for v in a.ravel()) + "]"


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def build_lstm(seed=0):
    """The layer with Keras's default initializers (seeded) and unit_forget_bias, in float64."""
    utils.set_random_seed(seed)
    layer = LSTM(2, return_sequences=False, dtype="float64", name="lstm")
    layer.build(X.shape[1:])
    return layer


def forward(W, U, b, print_fn):
    """Every gate at every t: the LSTM's equations, one line each."""
    u, steps = U.shape[0], X.shape[1]
    h, c = np.zeros(u), np.zeros(u)
    cache = {key: [] for key in ("z", "i", "f", "c_bar", "o", "c_prev", "c", "tanh_c", "h_prev",
                                 "h")}
    print_fn("== forward: z = x_t·W + h_{t−1}·U + b, in blocks [i f c̃ o] of 2 units ==")
    for t in range(steps):
        x = X[0, t]
        z = x @ W + h @ U + b
        i, fg, o = sigmoid(z[:u]), sigmoid(z[u:2 * u]), sigmoid(z[3 * u:])
        c_bar = np.tanh(z[2 * u:3 * u])
        c_new = fg * c + i * c_bar
        h_new = o * np.tanh(c_new)
        print_fn(f"t={t + 1}  x = {_f(x)}   h_prev = {_f(h)}   c_prev = {_f(c)}")
        print_fn(f"     z = {_f(z)}")
        print_fn(f"     i = σ(z_i) = {_f(i)}   f = σ(z_f) = {_f(fg)}")
        print_fn(f"     c̃ = tanh(z_c) = {_f(c_bar)}   o = σ(z_o) = {_f(o)}")
        print_fn(f"     c = f⊙c_prev + i⊙c̃ = {_f(fg * c)} + {_f(i * c_bar)} = {_f(c_new)}")
        print_fn(f"     h = o⊙tanh(c) = {_f(o)}⊙{_f(np.tanh(c_new))} = {_f(h_new)}")
        for key, value in (("z", z), ("i", i), ("f", fg), ("c_bar", c_bar), ("o", o),
                           ("c_prev", c), ("c", c_new), ("tanh_c", np.tanh(c_new)),
                           ("h_prev", h), ("h", h_new)):
            cache[key].append(value)
        h, c = h_new, c_new
    return {key: np.array(values) for key, values in cache.items()}


def backward(U, fw, dh_last, print_fn):
    """BPTT from t = 3 down to 1: dh and dc carried back, every gate's gradient on the way."""
    u, steps = U.shape[0], X.shape[1]
    dh_next, dc_next = np.zeros(u), np.zeros(u)
    out = {key: np.zeros((steps, u)) for key in ("dh", "dc", "dh_next", "dc_next")}
    out["dz"] = np.zeros((steps, 4 * u))
    print_fn("== backward through time: t = 3, 2, 1 ==")
    for t in reversed(range(steps)):
        i, fg, c_bar, o = fw["i"][t], fw["f"][t], fw["c_bar"][t], fw["o"][t]
        dy = dh_last if t == steps - 1 else np.zeros(u)  # the loss reads h_3 only
        dh = dy + dh_next
        dc = dc_next + dh * o * (1 - fw["tanh_c"][t] ** 2)
        dz = np.concatenate([dc * c_bar * i * (1 - i),  # di·σ'
                             dc * fw["c_prev"][t] * fg * (1 - fg),  # df·σ'
                             dc * i * (1 - c_bar ** 2),  # dc̃·tanh'
                             dh * fw["tanh_c"][t] * o * (1 - o)])  # do·σ'
        print_fn(f"t={t + 1}  dh = dy_t + dh_next = {_f(dy)} + {_f(dh_next)} = {_f(dh)}")
        print_fn(f"     dc = dc_next + dh⊙o⊙(1 − tanh²c) = {_f(dc_next)} + "
                 f"{_f(dh * o * (1 - fw['tanh_c'][t] ** 2))} = {_f(dc)}")
        print_fn(f"     dz_i = dc⊙c̃⊙i(1−i) = {_f(dz[:u])}   "
                 f"dz_f = dc⊙c_prev⊙f(1−f) = {_f(dz[u:2 * u])}")
        print_fn(f"     dz_c = dc⊙i⊙(1−c̃²) = {_f(dz[2 * u:3 * u])}   "
                 f"dz_o = dh⊙tanh(c)⊙o(1−o) = {_f(dz[3 * u:])}")
        dh_next, dc_next = dz @ U.T, dc * fg
        if t > 0:
            print_fn(f"     to t−1: dh_next = dz·Uᵀ = {_f(dh_next)}   "
                     f"dc_next = dc⊙f = {_f(dc_next)}")
        for key, value in (("dh", dh), ("dc", dc), ("dz", dz), ("dh_next", dh_next),
                           ("dc_next", dc_next)):
            out[key][t] = value
    return out


def explain_lstm(print_fn=print, seed=0):
    """Print one BPTT step of a 2-unit LSTM over 3 steps; return every printed array.

    Returns:
        ``weights`` (``[W, U, b]``), the forward arrays per t (``z``, ``i``, ``f``, ``c_bar``,
        ``o``, ``c``, ``h``, ...), ``loss``, ``dh_last``, the backward arrays per t (``dh``,
        ``dc``, ``dz``, ``dh_next``, ``dc_next``), ``grads`` (``kernel``, ``recurrent_kernel``,
        ``bias``) and ``library_grads``, what ``tinynet.layers.LSTM.backward`` gives.
    """
    layer = build_lstm(seed)
    W, U, b = layer.get_weights()
    print_fn(f"tinynet explain lstm: one step of backprop through time (seed {seed}); "
             "2 inputs, 2 units, 3 steps")
    print_fn(f"x_1..x_3 = {_f(X[0, 0])} {_f(X[0, 1])} {_f(X[0, 2])}   target y = {_f(Y)}")
    for name, w in (("W (kernel)", W), ("U (recurrent_kernel)", U)):
        for r, row in enumerate(w):
            print_fn(f"{name if r == 0 else '':<21}row {r + 1} = {_f(row)}")
    print_fn(f"{'b (bias)':<27}{_f(b)}")
    print_fn(f"columns in blocks of 2 units: {' | '.join(GATES)}; b's f block starts at 1 "
             "(unit_forget_bias)")

    fw = forward(W, U, b, print_fn)
    h_last = fw["h"][-1]
    loss = float(np.mean((h_last - Y[0]) ** 2))
    dh_last = 2 * (h_last - Y[0]) / h_last.size
    print_fn(f"loss L = mean((h_3 − y)²) = {loss:.6f}   dh_3 = ∂L/∂h_3 = 2(h_3 − y)/2 = "
             f"{_f(dh_last)}")
    bw = backward(U, fw, dh_last, print_fn)

    grads = {"kernel": X[0].T @ bw["dz"], "recurrent_kernel": fw["h_prev"].T @ bw["dz"],
             "bias": bw["dz"].sum(axis=0)}
    print_fn("== weight gradients: each dz_t paired with what it multiplied, summed over t ==")
    for name, key in (("dW = Σ_t x_tᵀ·dz_t", "kernel"),
                      ("dU = Σ_t h_{t−1}ᵀ·dz_t", "recurrent_kernel")):
        for r, row in enumerate(grads[key]):
            print_fn(f"{name if r == 0 else '':<24}row {r + 1} = {_f(row)}")
    print_fn(f"{'db = Σ_t dz_t':<30}{_f(grads['bias'])}")

    layer.forward(X)
    layer.backward(dh_last[None, :])
    library = {key: g.copy() for key, g in layer.grads.items()}
    gap = max(float(np.max(np.abs(library[k] - grads[k]))) for k in grads)
    print_fn(f"tinynet.layers.LSTM.backward gives the same dW, dU, db: largest difference "
             f"{gap:.1e}")
    return {"x": X, "y": Y, "weights": [W, U, b], **fw, "loss": loss, "dh_last": dh_last, **bw,
            "grads": grads, "library_grads": library}
