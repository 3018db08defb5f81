"""The ``tinynet compare`` table: one row per listing, each cell ``tinynet / keras``."""

HEADER = ("listing", "params", "final loss", "accuracy or predictions", "seconds", "ratio")
FOOTNOTES = (
    "Cells read tinynet / keras; seconds = time in fit only; ratio = tinynet / Keras seconds.",
    "tinynet starts from Keras's initial weights, but each framework shuffles the data with its",
    "own RNG (and draws its own dropout masks): MNIST figures agree closely, not digit for digit.",
    "XOR and the gates fit one batch of 4 per epoch, so they agree to float rounding.",
    "Gates: the loss is the mean over OR, AND, NOR, XNOR; predictions rounded to 0/1, that order.",
)


def loss(result):
    """The final training loss; for the gates, the mean of their four."""
    value = result.get("final_loss")
    if isinstance(value, dict):
        value = sum(value.values()) / len(value)
    return "-" if value is None else f"{value:.4g}"


def outcome(result, keys):
    """The listing's result in a few characters: predictions, accuracy, m and b, a label."""
    cells = []
    for key in keys:
        value = result[key]
        if key == "predictions" and isinstance(value, dict):  # the gates, as 0/1 bits
            cells.append(" ".join("".join("1" if p > 0.5 else "0" for p in gate)
                                  for gate in value.values()))
        elif key == "predictions":
            cells.append(" ".join(f"{p:.3f}" for p in value))
        elif key == "predicted_digit":
            cells.append(f"#300={value}")
        elif key == "label":
            cells.append(f"label {value}")
        elif key == "test_accuracy":
            cells.append(f"acc {value:.4f}")
        else:
            cells.append(f"{key} {value:.4f}")
    return " ".join(cells)


def seconds(result):
    return "-" if result.get("seconds") is None else f"{result['seconds']:.3g}"


def row(name, keys, mine, theirs):
    """The cells for one listing, from tinynet's result (``mine``) and Keras's (``theirs``)."""
    def both(cell):
        a, b = cell(mine), cell(theirs)
        return "-" if a == b == "-" else f"{a} / {b}"

    times = mine.get("seconds"), theirs.get("seconds")
    ratio = "-" if None in times else f"{times[0] / times[1]:.3f}"
    return (name, both(lambda r: str(r.get("params", "-"))), both(loss),
            both(lambda r: outcome(r, keys)), both(seconds), ratio)


def show(rows, print_fn=print):
    """Print the header, the rows in aligned columns, then the footnotes."""
    widths = [max(len(r[i]) for r in (HEADER, *rows)) for i in range(len(HEADER))]
    for cells in (HEADER, tuple("-" * w for w in widths), *rows):
        print_fn("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    for line in FOOTNOTES:
        print_fn(line)
