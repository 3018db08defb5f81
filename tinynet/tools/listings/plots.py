"""Figures for the listings: pyplot on the file-only Agg backend, and per-step learning curves.

Every figure the harness writes has a title that says what it shows, labeled axes, and a
caption line naming the command and the seed that made it. ``save`` also stores the title
and the caption in the PNG's text chunks (``Title``, ``Description``), so a test or a script
can read them back without looking at pixels.
"""

import csv

import numpy as np

from tinynet.tools.listings.errors import ListingUnavailableError

PLOT_HINT = "drawing PNGs needs matplotlib: `pip install 'tinynet[plot]'` (or `uv sync`)."
STYLE = {"tinynet": ("C0", "-"), "keras": ("C1", "--")}
QUANTITY = {  # what the curves hold, said on the figure (see tools/harness/watch.py)
    "batch loss": "Both curves: the batch loss, the mean loss of one batch before its update; "
                  "Keras's is read from the running sums of its loss tracker.",
    "running mean of the epoch": "Both curves: the running mean of the epoch's batch losses, "
                                 "as Keras logs it.",
    "full-batch loss": "One step is one gradient-descent step on the whole training set.",
}
LABEL = {"tinynet": "tinynet", "keras": "Keras"}


def pyplot():
    """``matplotlib.pyplot`` drawing into files only; matplotlib is the optional [plot] extra."""
    try:
        import matplotlib
    except ImportError:
        raise ListingUnavailableError(PLOT_HINT) from None
    matplotlib.use("Agg")  # never open a window, so nothing blocks on a headless machine
    import matplotlib.pyplot as plt

    return plt


def plural(n, word):
    """``1 epoch``, ``2 epochs``, ``1,875 steps``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def save(fig, png, title, caption, tight=True):
    """Title the figure, add the caption line at the bottom, write the PNG, close it.

    ``tight=False`` keeps the layout as drawn (figures with shared colorbars).
    """
    plt = pyplot()
    fig.suptitle(title, fontsize=11)
    fig.text(0.01, 0.01, caption, fontsize=7, color="0.35", ha="left", va="bottom")
    bottom = ((caption.count("\n") + 1) * 0.14 + 0.06) / fig.get_figheight()
    if tight:
        fig.tight_layout(rect=(0, bottom, 1, 1))
    elif fig.get_layout_engine() is not None:  # constrained layout: leave the caption room
        fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom / 2))
    fig.savefig(png, metadata={"Title": title, "Description": caption})
    plt.close(fig)
    return png


def smooth(values, window):
    """The centred moving average over ``window`` steps, and the steps (from 1) it sits at."""
    values = np.asarray(values, dtype=float)
    averaged = np.convolve(values, np.ones(window) / window, mode="valid")
    return np.arange(len(averaged)) + (window + 1) / 2, averaged


def learning_curves(name, runs, png, caption):
    """Both frameworks' loss at every training step, one panel per fit (the gates: four).

    Args:
        name: the listing, for the title.
        runs: framework → the result of ``harness.runs.watched_run`` (``curves``,
            ``step_quantity``, ``steps_per_epoch``).
        png: the file to write; a CSV of the same numbers is written beside it.
        caption: the command and the seed.

    Returns:
        ``png``, or ``None`` when a framework has fewer than two steps (no one-point plots).
    """
    series = list(next(iter(runs.values()))["curves"])
    if any(len(run["curves"][s]["loss"]) < 2 for run in runs.values() for s in series):
        return None
    write_csv(runs, png.with_suffix(".csv"))
    plt = pyplot()
    cols = 2 if len(series) > 1 else 1
    rows = -(-len(series) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(8 if cols == 1 else 6.4 * cols,
                                                  4.2 * rows + 0.6), squeeze=False)
    quantity = {run["step_quantity"] for run in runs.values()}
    for ax, key in zip(axes.flat, series, strict=False):
        per_epoch = next(iter(runs.values()))["steps_per_epoch"] or 1
        for framework, run in runs.items():
            draw_curve(ax, framework, run["curves"][key]["loss"])
        steps = len(next(iter(runs.values()))["curves"][key]["loss"])
        epochs = -(-steps // per_epoch)
        ax.set_xlabel(f"training step ({plural(per_epoch, 'step')} per epoch)")
        ax.set_ylabel(" and ".join(sorted(quantity)))
        top = ax.secondary_xaxis("top", functions=(lambda s, k=per_epoch: s / k,
                                                   lambda e, k=per_epoch: e * k))
        top.set_xlabel(f"epoch ({plural(epochs, 'epoch')})")
        if 1 < epochs <= 20:
            for end in range(1, epochs):
                ax.axvline(end * per_epoch + 0.5, color="0.85", lw=0.8, zorder=0)
        if key != "loss":
            ax.set_title(key)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(series):]:
        ax.remove()
    title = f"{name}: training loss at every step, tinynet and Keras from the same start"
    return save(fig, png, title, caption + "\n" + QUANTITY.get(min(quantity), min(quantity)))


def draw_curve(ax, framework, losses):
    """Raw per-step losses, thin, and their moving average on top when there are enough."""
    color, style = STYLE[framework]
    steps = np.arange(1, len(losses) + 1)
    window = len(losses) // 40
    if window < 3:  # too short to smooth: the raw line is the curve
        ax.plot(steps, losses, style, color=color, label=f"{LABEL[framework]}")
    else:
        ax.plot(steps, losses, style, color=color, lw=0.5, alpha=0.35,
                label=f"{LABEL[framework]}, each step")
        ax.plot(*smooth(losses, window), style, color=color, lw=1.8,
                label=f"{LABEL[framework]}, mean of {window} steps")
    values = np.asarray(losses, dtype=float)
    if values.min() > 0 and values.max() / values.min() > 20:
        ax.set_yscale("log")


def write_csv(runs, path):
    """``series, step, epoch, <framework>_loss ...``: the numbers behind the curves."""
    frameworks = list(runs)
    first = runs[frameworks[0]]
    per_epoch = first["steps_per_epoch"] or 1
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["series", "step", "epoch", *(f"{fw}_loss" for fw in frameworks)])
        for key in first["curves"]:
            columns = [runs[fw]["curves"][key]["loss"] for fw in frameworks]
            for step in range(max(map(len, columns))):
                cells = [repr(c[step]) if step < len(c) else "" for c in columns]
                writer.writerow([key, step + 1, step // per_epoch + 1, *cells])
    return path
