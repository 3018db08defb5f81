"""``tinynet explain xor --plot FILE.png``: the printed training step, drawn as a graph.

One panel per sample, drawn with matplotlib alone (no graphviz). Each edge carries the value
that flows along it in the forward pass; each node carries its gradient ∂L/∂node, where L is
the batch loss, the mean over the 4 samples. The weights' nodes show the sample's share of
their gradient (x[i]ᵀ·dz[i]); the footer gives the batch sums, which are what Adam uses and
what ``tinynet explain xor`` prints. Every number is formatted as the printed explanation
formats it, and every text carries a ``gid`` (``"z/grad"``, ``"h/edge"``, ...) for tests.
"""

import numpy as np

from tinynet.tools.explain import _f

PLOT_HINT = ("`tinynet explain xor --plot` draws with matplotlib, the optional [plot] extra: "
             "`pip install tinynet[plot]` (or `uv sync`).")

# where each node sits in a panel (axes fractions), and its formula
NODES = {
    "x": ((0.05, 0.5), "x  (the data)"),
    "W1": ((0.17, 0.8), "W1  (dense/kernel)"),
    "b1": ((0.17, 0.12), "b1  (dense/bias)"),
    "z": ((0.31, 0.5), "z = x·W1 + b1"),
    "h": ((0.54, 0.5), "h = relu(z)"),
    "W2": ((0.63, 0.8), "W2  (dense_1/kernel)"),
    "b2": ((0.63, 0.12), "b2  (dense_1/bias)"),
    "y_hat": ((0.76, 0.5), "ŷ = h·W2 + b2"),
    "y": ((0.87, 0.12), "y  (the target)"),
    "L": ((0.925, 0.5), "L = mean((ŷ − y)²)"),
}
EDGES = [("x", "z"), ("W1", "z"), ("b1", "z"), ("z", "h"), ("h", "y_hat"),
         ("W2", "y_hat"), ("b2", "y_hat"), ("y_hat", "L"), ("y", "L")]


def pyplot():
    """``matplotlib.pyplot`` on the file-only Agg backend, or an error naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise ModuleNotFoundError(PLOT_HINT, name="matplotlib") from None
    matplotlib.use("Agg")  # never open a window
    import matplotlib.pyplot as plt

    return plt


def _rows(a):
    """A vector on one line, a matrix one row per line: the printed format, wrapped."""
    a = np.asarray(a)
    if a.ndim < 2:
        return _f(a)
    return "[" + ",\n ".join(_f(row) for row in a) + "]"


def sample_labels(out, i):
    """``{node: (edge value, gradient)}`` of sample ``i`` from ``explain_xor``'s result."""
    w1, b1, w2, b2 = out["weights"]
    x, z, h = out["x"][i], out["z"][i], out["h"][i]
    dz, dh, dy_hat = out["dense/dz"][i], out["dense_1/dx"][i], out["dy_hat"][i]
    sq = float(np.square(out["y_hat"][i, 0] - out["y"][i, 0]))
    return {
        "x": (_f(x, ".0f"), "∂L/∂x: not computed\n(x is the data)"),
        "W1": (_rows(w1), "share x[i]ᵀ·dz[i] =\n" + _rows(np.outer(x, dz))),
        "b1": (_f(b1), "share dz[i] = " + _f(dz)),
        "z": (_f(z), "dz = dh ⊙ [z > 0] =\n" + _f(dz)),
        "h": (_f(h), "dh = dŷ·W2ᵀ =\n" + _f(dh)),
        "W2": (_rows(w2), "share h[i]ᵀ·dŷ[i] =\n" + _rows(np.outer(h, dy_hat))),
        "b2": (_f(b2), "share dŷ[i] = " + _f(dy_hat)),
        "y_hat": (f"{out['y_hat'][i, 0]:.4f}", "dŷ = 2(ŷ − y)/N =\n" + _f(dy_hat[0])),
        "y": (f"{out['y'][i, 0]:.0f}", "(a target: no gradient)"),
        "L": (None, f"∂L/∂L = 1\n(ŷ − y)² = {sq:.4f}"),
    }


def draw_panel(ax, out, i):
    """Sample ``i``'s graph in ``ax``: edges labelled with values, nodes with gradients."""
    labels = sample_labels(out, i)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(f"sample {i}: x = {_f(out['x'][i], '.0f')}, y = {out['y'][i, 0]:.0f}",
                 fontsize=10)
    for src, dst in EDGES:
        (x0, y0), (x1, y1) = NODES[src][0], NODES[dst][0]
        if y0 != y1:  # from a weight or the target: aim at the box's left end, off the red text
            x1 -= 0.045
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": "0.45", "shrinkA": 22,
                                "shrinkB": 22})
        t = 0.5 if src in ("x", "z", "h", "y_hat") else 0.42  # keep labels off the nodes
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), labels[src][0], fontsize=7,
                ha="center", va="center", color="tab:blue", zorder=3, gid=f"{src}/edge",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    for name, ((x, y), formula) in NODES.items():
        weight = name[0] in "Wb"
        ax.text(x, y, formula, fontsize=7.5, ha="center", va="bottom", zorder=4,
                fontweight="bold", gid=f"{name}/name",
                bbox={"boxstyle": "round,pad=0.3", "ec": "0.3",
                      "fc": "lightyellow" if weight else "lavender"})
        top = y > 0.7  # a weight drawn above the chain: its gradient goes above it too
        ax.text(x, y + 0.07 if top else y - 0.015, labels[name][1], fontsize=7,
                ha="center", va="bottom" if top else "top", color="tab:red", zorder=4,
                gid=f"{name}/grad")


def plot_xor(out, png, step=1, seed=0):
    """Draw ``explain_xor``'s result ``out`` to ``png``; returns the (closed) figure.

    Args:
        out: what ``tinynet.tools.explain.explain_xor`` returned for this step.
        png: the file to write.
        step: the training step shown, for the title.
        seed: the seed the weights came from, for the title.
    """
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(20, 11))
    for i, ax in enumerate(axes.flat):
        draw_panel(ax, out, i)
    fig.suptitle(
        f"tinynet explain xor: training step {step} (seed {seed}), one panel per sample\n"
        "blue on an edge: the forward value it carries;   red under a node: its gradient "
        "∂L/∂node, for the batch loss L = the mean over the 4 samples", fontsize=12)
    w = out["weights"]
    footer = (f"batch: L = {out['loss']:.4f}   (the sum of the four panels' shares is what "
              "Adam uses)\n"
              f"dW1 = {_f(out['dense/dW'])}   db1 = {_f(out['dense/db'])}   "
              f"dW2 = {_f(out['dense_1/dW'])}   db2 = {_f(out['dense_1/db'])}\n"
              f"weights before the step: W1 = {_f(w[0])}  b1 = {_f(w[1])}  W2 = {_f(w[2])}  "
              f"b2 = {_f(w[3])}")
    fig.text(0.5, 0.015, footer, ha="center", va="bottom", fontsize=10, gid="batch",
             family="monospace")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.89, bottom=0.1, hspace=0.12, wspace=0.02)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return fig
