"""The harness's figures: the test digit with both softmax outputs, confusion matrices and the
lockstep loss difference. (Learning curves: ``listings/plots.py``; decision boundaries:
``seeds.py``.) Each has a title, labeled axes and a caption line with the command and seed.
"""

import numpy as np

from tinynet.tools.listings.plots import LABEL, STYLE, pyplot, save


def digit(image, probabilities, label, index, png, caption):
    """The test digit beside both frameworks' softmax outputs, as bars on one axis.

    Args:
        image: the 28×28 test image.
        probabilities: framework → its 10 softmax outputs for the image.
        label: the image's true class.
        index: its position in the test set (300 in the book).
        png, caption: the file to write and its caption line.
    """
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2),
                                      gridspec_kw={"width_ratios": [1, 1.6]})
    left.imshow(np.asarray(image).reshape(28, 28), cmap="gray")
    left.set_title(f"test image {index}, label {label}")
    left.set_xlabel("pixel column")
    left.set_ylabel("pixel row")
    classes = np.arange(10)
    width = 0.8 / len(probabilities)
    said = []
    for i, (framework, p) in enumerate(probabilities.items()):
        p = np.asarray(p, dtype=float)
        right.bar(classes + (i - (len(probabilities) - 1) / 2) * width, p, width,
                  color=STYLE[framework][0], label=LABEL[framework])
        said.append(f"{LABEL[framework]} predicts {int(np.argmax(p))} "
                    f"(p = {p.max():.4f})")
    right.set_xticks(classes)
    right.set_xlabel("digit class")
    right.set_ylabel("softmax probability (log scale)")
    right.set_yscale("log")  # a confident 0.9999 would hide the other nine on a linear axis
    smallest = min(float(np.min(p)) for p in probabilities.values())
    right.set_ylim(max(smallest / 2, 1e-12), 2)
    right.legend()
    right.set_title("softmax output" + (" of each framework" if len(probabilities) > 1 else ""))
    title = f"Test image {index} (label {label}): " + ", ".join(said)
    return save(fig, png, title, caption)


def confusion(name, matrices, png, caption):
    """tinynet's and Keras's confusion matrices on one color scale, and their difference."""
    import matplotlib.colors as mcolors

    plt = pyplot()
    (a_fw, a), (b_fw, b) = ((fw, np.asarray(m)) for fw, m in matrices.items())
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.6), layout="constrained")
    norm = mcolors.LogNorm(vmin=1, vmax=max(a.max(), b.max()))  # the diagonal dwarfs errors
    for ax, fw, m in ((axes[0], a_fw, a), (axes[1], b_fw, b)):
        image = ax.imshow(np.ma.masked_equal(m, 0), cmap="Blues", norm=norm)
        annotate(ax, m, lambda v: str(v) if v else "")
        ax.set_title(f"{LABEL[fw]}: {int(np.trace(m)):,} of {int(m.sum()):,} right")
    fig.colorbar(image, ax=axes[:2], shrink=0.8, label="test images (log scale)")
    diff = a - b
    bound = max(1, int(np.abs(diff).max()))
    image = axes[2].imshow(diff, cmap="RdBu_r", vmin=-bound, vmax=bound)
    annotate(axes[2], diff, lambda v: f"{v:+d}" if v else "")
    axes[2].set_title(f"{LABEL[a_fw]} − {LABEL[b_fw]}")
    fig.colorbar(image, ax=axes[2], shrink=0.8, label="difference in test images")
    for ax in axes:
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax.set_xlabel("predicted digit")
        ax.set_ylabel("true digit")
    title = f"{name}: confusion matrices on the test set, and their difference"
    return save(fig, png, title, caption, tight=False)


def annotate(ax, m, text):
    """Write each cell's value in it, dark on light cells and light on dark ones."""
    top = np.abs(m).max() or 1
    for (i, j), v in np.ndenumerate(m):
        label = text(int(v))
        if label:
            ax.text(j, i, label, ha="center", va="center", fontsize=6,
                    color="white" if abs(v) > 0.5 * top else "black")


def lockstep(name, losses, bound, png, caption):
    """Per-step losses of both frameworks, and their relative difference on a log scale.

    ``bound`` is the float32 growth envelope per step (``lockstep.envelope``).
    """
    plt = pyplot()
    tn, ks = (np.asarray(losses[fw], dtype=float) for fw in ("tinynet", "keras"))
    steps = np.arange(1, len(tn) + 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.4), sharex=True)
    for fw, values in (("tinynet", tn), ("keras", ks)):
        color, style = STYLE[fw]
        top.plot(steps, values, style, color=color, lw=1, label=LABEL[fw])
    top.set_ylabel("batch loss")
    top.legend()
    top.set_title("the same weights, batches and dropout masks on both sides")
    rel = relative_difference(tn, ks)
    shown = np.where(rel > 0, rel, np.nan)  # a log axis cannot show 0: exact steps are gaps
    bottom.semilogy(steps, shown, ".", ms=2, color="C3")
    bottom.axhline(np.finfo(np.float32).eps, color="0.5", lw=0.8, ls=":",
                   label="float32 machine epsilon")
    bottom.semilogy(steps, bound, "--", color="0.3", lw=1,
                    label="float32 growth envelope t·√K·u")
    worst = int(np.argmax(rel))
    equal = f"{int((rel == 0).sum())} of {len(rel)} steps equal to the bit"
    bottom.set_title(f"largest: {rel[worst]:.2e} at step {worst + 1}; {equal}" if rel.any()
                     else f"all {len(rel)} steps equal to the bit")
    bottom.set_xlabel("training step")
    bottom.set_ylabel("|tinynet − Keras| / |Keras|")
    bottom.legend()
    title = f"{name} in lockstep: loss per step and relative difference"
    return save(fig, png, title, caption)


def relative_difference(mine, theirs):
    """``|mine − theirs| / |theirs|`` per step (float64)."""
    mine, theirs = np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float)
    return np.abs(mine - theirs) / np.maximum(np.abs(theirs), np.finfo(float).tiny)


def decision_boundaries(panels, png, title, caption):
    """The output of Dense(2, relu) → Dense(1) over the plane, for seeds that learn and fail.

    Args:
        panels: rows of ``(label, seed, verdict, weights, bits)``: a function's label (e.g.
            ``"XOR"``), the seed, ``"learns"`` or the failure reason, the fitted weights
            ``[W1, b1, W2, b2]``, and the four target bits (``None`` for an empty panel).
        png, title, caption: the file, its title and its caption line.
    """
    plt = pyplot()
    rows = -(-len(panels) // 2)
    fig, axes = plt.subplots(rows, 2, figsize=(10, 4.6 * rows + 0.6), squeeze=False,
                             layout="constrained")
    grid = np.linspace(-0.5, 1.5, 201)
    gx, gy = np.meshgrid(grid, grid)
    plane = np.column_stack([gx.ravel(), gy.ravel()])
    points = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    for ax, (label, seed, verdict, weights, bits) in zip(axes.flat, panels, strict=False):
        ax.set_xlabel("input x₁")
        ax.set_ylabel("input x₂")
        ax.set_aspect("equal")
        if weights is None:
            ax.set_title(label, fontsize=10)
            ax.text(0.5, 0.5, verdict, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        w1, b1, w2, b2 = (np.asarray(w, dtype=float) for w in weights)
        out = (np.maximum(plane @ w1 + b1, 0) @ w2 + b2).reshape(gx.shape)
        image = ax.contourf(gx, gy, out, levels=np.linspace(-0.25, 1.25, 13), cmap="coolwarm",
                            extend="both", alpha=0.8)
        ax.contour(gx, gy, out, levels=[0.5], colors="black", linewidths=2)
        for j, ls in zip(range(w1.shape[1]), ("--", ":"), strict=False):  # w·x + b = 0
            dead = " (dead)" if np.all(points @ w1[:, j] + b1[j] <= 0) else ""
            draw_line(ax, w1[:, j], b1[j], ls, f"h{j + 1}: w·x + b = 0{dead}")
        ax.scatter(points[:, 0], points[:, 1], c=np.asarray(bits), cmap="coolwarm", vmin=0,
                   vmax=1, s=160, edgecolors="black", zorder=3)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_title(f"{label}, seed {seed}: {verdict}", fontsize=10)
        ax.legend(loc="upper right", fontsize=7)
    fig.colorbar(image, ax=axes, shrink=0.7 if rows == 1 else 0.35,
                 label="network output (black line: 0.5)")
    return save(fig, png, title, caption, tight=False)


def draw_line(ax, w, b, style, label):
    """The line ``w·x + b = 0`` across the plotted square."""
    xs = np.linspace(-0.5, 1.5, 2)
    if abs(w[1]) > 1e-12:
        ax.plot(xs, -(w[0] * xs + b) / w[1], style, color="black", lw=1, label=label)
    elif abs(w[0]) > 1e-12:
        ax.plot([-b / w[0]] * 2, [-0.5, 1.5], style, color="black", lw=1, label=label)
