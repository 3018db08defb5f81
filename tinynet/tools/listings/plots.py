"""Figures for the listings: pyplot on the file-only Agg backend, and overlaid learning curves."""

from tinynet.tools.listings.errors import ListingUnavailableError

PLOT_HINT = "drawing PNGs needs matplotlib: `pip install 'tinynet[plot]'` (or `uv sync`)."


def pyplot():
    """``matplotlib.pyplot`` drawing into files only; matplotlib is the optional [plot] extra."""
    try:
        import matplotlib
    except ImportError:
        raise ListingUnavailableError(PLOT_HINT) from None
    matplotlib.use("Agg")  # never open a window, so nothing blocks on a headless machine
    import matplotlib.pyplot as plt

    return plt


def learning_curves(name, histories, png):
    """One PNG with each framework's per-epoch training loss, overlaid on shared axes.

    Args:
        name: the listing, for the title.
        histories: framework → list of per-epoch losses.
        png: the file to write.
    """
    plt = pyplot()
    fig, ax = plt.subplots()
    for (framework, losses), style in zip(histories.items(), ("-", "--"), strict=False):
        epochs = range(1, len(losses) + 1)
        marker = "o" if len(losses) <= 20 else None  # a 1-epoch run is a single point
        ax.plot(epochs, losses, style, marker=marker, label=f"{framework} ({len(losses)} epochs)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title(f"{name}: the same start, two frameworks")
    ax.legend()
    fig.savefig(png)
    plt.close(fig)
    return png
