"""Beyond the book: the chapter's vanishing gradients, measured at initialization.

(a) A 10-layer Dense(32) MLP on one MNIST batch, sigmoid against ReLU: the norm of each layer's
kernel gradient ‖∂L/∂W_l‖. (b) SimpleRNN(32) against LSTM(32) on sequences of 100 steps, with
the loss on the last output: the norm of the gradient reaching each input step, ‖∂L/∂x_t‖.
Every norm is printed beside the other framework's, computed from the same weights.

What (b) shows at Keras's initialization may surprise: the LSTM's gradient fades faster than the
SimpleRNN's. Backward, the cell state's gradient is multiplied by the forget gate f at every step
(dc_{t−1} = dc_t ⊙ f), and Keras starts f's bias at 1, so f ≈ σ(1) ≈ 0.73 and 0.73^100 ≈ 1e-14;
the SimpleRNN's orthogonal recurrent kernel loses less. The LSTM's advantage is that f is a gate
it can learn to hold near 1, where the cell passes the gradient on unchanged. A third network
shows that: the same LSTM with its forget-gate bias at 3 (f ≈ 0.95).
"""

import argparse
from pathlib import Path

import numpy as np

import tinynet
from tinynet import layers, models
from tinynet.datasets.mnist import load_data
from tinynet.tools.listings.plots import pyplot

DEPTH, WIDTH, STEPS, UNITS, BATCH = 10, 32, 100, 32, 32
# float64, so that the two frameworks' columns differ by their arithmetic's rounding only
# (products of 100 Jacobians in float32 drift by ~1e-6) and tiny norms stay far from underflow
DTYPE = "float64"
FORGET_BIAS = 3.0  # for the third recurrent network: the forget gate held nearly open
NETWORKS = ("sigmoid", "relu", "simple_rnn", "lstm", "lstm_open")


def build_mlp(activation):
    """Ten Dense(32) layers with `activation`, then Dense(10, softmax); sparse cross-entropy."""
    model = models.Sequential([layers.Input((784,))])
    for _ in range(DEPTH):
        model.add(layers.Dense(WIDTH, activation=activation, dtype=DTYPE))
    model.add(layers.Dense(10, activation="softmax", dtype=DTYPE))
    model.compile(loss="sparse_categorical_crossentropy")
    return model


def build_rnn(cell):
    """`cell` (32 units) over 100 steps of one feature, its last state into Dense(1); MSE."""
    model = models.Sequential([layers.Input((STEPS, 1)), cell(UNITS, dtype=DTYPE),
                               layers.Dense(1, dtype=DTYPE)])
    model.compile(loss="mean_squared_error")
    return model


def open_forget_gate(model):
    """Set the LSTM's forget-gate bias (the second of its blocks i, f, c, o) to FORGET_BIAS."""
    weights = model.get_weights()
    weights[2][UNITS:2 * UNITS] = FORGET_BIAS  # [kernel, recurrent_kernel, bias, ...]
    model.set_weights(weights)
    return model


def build_models(initial_weights=None):
    """The five networks in NETWORKS order; `initial_weights` is their weights, one flat list."""
    built = dict(zip(NETWORKS, (build_mlp("sigmoid"), build_mlp("relu"),
                                build_rnn(layers.SimpleRNN), build_rnn(layers.LSTM),
                                open_forget_gate(build_rnn(layers.LSTM))), strict=True))
    if initial_weights is not None:
        weights = list(initial_weights)
        for model in built.values():
            count = len(model.get_weights())
            model.set_weights(weights[:count])
            weights = weights[count:]
    return built


def make_data(seed=0):
    """One MNIST batch of 32 (pixels / 255, flattened) and 32 random sequences with targets."""
    (x_train, y_train), _ = load_data()
    images = x_train[:BATCH].reshape(BATCH, 784) / 255.0
    rng = np.random.default_rng(seed)
    sequences = rng.normal(size=(BATCH, STEPS, 1))
    targets = rng.normal(size=(BATCH, 1))
    return {"mlp": (images, y_train[:BATCH]), "rnn": (sequences, targets)}


def gradients(model, x, y):
    """∂L/∂x and ∂L/∂w for each weight, for the loss of one batch: the chain rule, by hand."""
    out = np.asarray(x, dtype=DTYPE)
    for layer in model.layers:
        out = layer.forward(out, training=True)
    dy = model.loss.gradient(y, out)
    model.layers[0].compute_dx = True  # Sequential skips ∂L/∂x below its first layer; not here
    for layer in reversed(model.layers):
        dy = layer.backward(dy)
    return dy, [layer.grads[key] for layer in model.layers for key in layer.params]


def measure(built, data):
    """Every norm: ‖∂L/∂W_l‖ per Dense layer of each MLP, ‖∂L/∂x_t‖ per step of each RNN."""
    norms = {}
    for name, model in built.items():
        if name in ("sigmoid", "relu"):
            _, dw = gradients(model, *data["mlp"])
            norms[name] = [float(np.linalg.norm(g)) for g in dw[::2]]  # kernels, not biases
        else:
            dx, _ = gradients(model, *data["rnn"])
            norms[name] = [float(np.linalg.norm(dx[:, t])) for t in range(STEPS)]
    return norms


def twin_norms(initial_weights, data):
    """The same norms from the Keras script, from the same weights (None without Keras)."""
    from tinynet.tools.listings import ListingUnavailableError, load_reference

    try:
        twin = load_reference("vanishing_gradients.py")
    except ListingUnavailableError as e:
        print(f"vanishing_gradients: only tinynet's column ({e})")
        return None
    return twin.measure(twin.build_models(initial_weights), data)


def largest_difference(norms, other):
    """max |mine − theirs| / |theirs| over every norm; None without the other framework."""
    if other is None:
        return None
    return max(abs(a - b) / max(abs(b), 1e-300) for name in NETWORKS
               for a, b in zip(norms[name], other[name], strict=True))


def show(norms, other, mine, theirs):
    """Print both tables, this framework's column beside the other's (steps: every 10th)."""
    def cells(name, i):
        b = "-" if other is None else f"{other[name][i]:.4e}"
        return f"{norms[name][i]:>11.4e} {b:>11}"

    print(f"(a) ‖∂L/∂W‖ per layer: {DEPTH} × Dense({WIDTH}) + Dense(10), one MNIST batch")
    print(f"{'':>5} {'sigmoid':^23} {'relu':^23}")
    print(f"{'layer':>5} {mine:>11} {theirs:>11} {mine:>11} {theirs:>11}")
    for layer in range(DEPTH + 1):
        print(f"{layer + 1:>5} {cells('sigmoid', layer)} {cells('relu', layer)}")
    print(f"(b) ‖∂L/∂x_t‖ per step t: {STEPS} steps of 1 feature, the loss on the last output")
    print(f"{'':>5} {'SimpleRNN':^23} {'LSTM':^23} {f'LSTM, f bias {FORGET_BIAS:g}':^23}")
    print(f"{'t':>5}" + f" {mine:>11} {theirs:>11}" * 3)
    for t in [0, *range(9, STEPS, 10)]:
        print(f"{t + 1:>5} {cells('simple_rnn', t)} {cells('lstm', t)} {cells('lstm_open', t)}")
    difference = largest_difference(norms, other)
    if difference is not None:
        print(f"largest relative difference, {mine} against {theirs}: {difference:.1e}")


def plot(norms, other, png_mlp, png_rnn, mine, theirs):
    """Two log-scale PNGs: the norms per layer (a) and per time step (b), both frameworks."""
    plt = pyplot()  # matplotlib: the [plot] extra
    for png, names, xlabel, ylabel, xs in (
            (png_mlp, ("sigmoid", "relu"), "Dense layer (1 = next to the input)", "‖∂L/∂W‖",
             range(1, DEPTH + 2)),
            (png_rnn, ("simple_rnn", "lstm", "lstm_open"), "time step t (the loss reads step 100)",
             "‖∂L/∂x_t‖", range(1, STEPS + 1))):
        plt.figure()
        for name in names:
            line, = plt.semilogy(xs, norms[name], label=f"{name} ({mine})")
            if other is not None:
                plt.semilogy(xs, other[name], "--", color=line.get_color(),
                             label=f"{name} ({theirs})")
        plt.xlabel(xlabel)
        plt.ylabel(ylabel)
        plt.legend()
        plt.title(f"vanishing gradients: {ylabel} at initialization")
        plt.savefig(png)
        plt.close()


def run(seed=0, quick=False, out=None, verbose=0, initial_weights=None):
    """Measure every norm at initialization, beside the other framework's; write both PNGs."""
    data = make_data(seed)
    tinynet.utils.set_random_seed(seed)
    built = build_models(initial_weights)
    initial = [w for model in built.values() for w in model.get_weights()]
    norms = measure(built, data)
    other = twin_norms(initial, data)
    if verbose:
        show(norms, other, "tinynet", "Keras")

    out = Path(out or "out")
    out.mkdir(parents=True, exist_ok=True)
    png_mlp = out / "vanishing_gradients_mlp.png"
    png_rnn = out / "vanishing_gradients_rnn.png"
    plot(norms, other, png_mlp, png_rnn, "tinynet", "Keras")

    return {
        "listing": "vanishing_gradients",
        "framework": "tinynet",
        "initial_weights": initial,
        "norms": norms,
        "other_framework_norms": other,
        "largest_relative_difference": largest_difference(norms, other),
        "sigmoid_log10": float(np.log10(norms["sigmoid"][0] / norms["sigmoid"][DEPTH - 1])),
        "relu_log10": float(np.log10(norms["relu"][0] / norms["relu"][DEPTH - 1])),
        "simple_rnn_log10": float(np.log10(norms["simple_rnn"][0] / norms["simple_rnn"][-1])),
        "lstm_log10": float(np.log10(norms["lstm"][0] / norms["lstm"][-1])),
        "lstm_open_log10": float(np.log10(norms["lstm_open"][0] / norms["lstm_open"][-1])),
        "png": [str(png_mlp), str(png_rnn)],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for the PNGs (default: ./out)")
    args = parser.parse_args()
    run(seed=args.seed, out=args.out, verbose=1)
