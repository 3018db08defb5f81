"""The ``tinynet compare`` table: one row per listing, each cell ``tinynet / keras``."""

import textwrap

NOT_LEARNED = "†"

HEADER = ("listing", "params", "final loss", "accuracy or predictions", "seconds", "ratio")
FOOTNOTES = (
    "Cells read tinynet / keras; seconds = time in fit only; ratio = tinynet / Keras seconds.",
    "tinynet starts from Keras's initial weights, but each framework shuffles the data with its "
    "own RNG (and draws its own dropout masks): MNIST figures agree closely, not digit for digit "
    "(`--lockstep` gives both the same batches and masks).",
    "XOR and the gates fit one batch of 4 per epoch, so they agree to float rounding.",
    "Gates: the loss is the mean over OR, AND, NOR, XNOR; predictions rounded to 0/1, that order.",
)
NOT_LEARNED_NOTE = (f"{NOT_LEARNED} {{name}}: did not learn from this seed (a prediction rounds "
                    "to the wrong bit): see `tinynet seeds {name}` for how often it learns.")


def loss(result):
    """The final training loss; for the gates, the mean of their four."""
    value = result.get("final_loss")
    if isinstance(value, dict):
        value = sum(value.values()) / len(value)
    return "-" if value is None else f"{value:.4g}"


def outcome(result, keys):
    """The listing's result in a few characters: predictions, accuracy, m and b, a label."""
    cells = []
    learned = result.get("learned")
    for key in keys:
        value = result[key]
        if key == "predictions" and isinstance(value, dict):  # the gates, as 0/1 bits
            cells.append(" ".join("".join("1" if p > 0.5 else "0" for p in bits)
                                  + mark(learned and learned.get(gate))
                                  for gate, bits in value.items()))
        elif key == "predictions":
            cells.append(" ".join(f"{p:.3f}" for p in value) + mark(learned))
        elif key == "predicted_digit":
            cells.append(f"#300={value}")
        elif key == "label":
            cells.append(f"label {value}")
        elif key == "test_accuracy":
            cells.append(f"acc {value:.4f}")
        else:
            cells.append(f"{key} {value:.4f}")
    return " ".join(cells)


def mark(learned):
    """``†`` after a result that did not learn; nothing when it did or was not judged."""
    return NOT_LEARNED if learned is False else ""


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


def notes(rows):
    """The footnotes, with the ``†`` note for each listing that has a result marked with it."""
    marked = [r[0] for r in rows if NOT_LEARNED in r[3]]
    return [*FOOTNOTES, *(NOT_LEARNED_NOTE.format(name=name) for name in marked)]


def show(rows, print_fn=print):
    """Print the header, the rows in aligned columns, then the footnotes."""
    aligned(HEADER, rows, print_fn)
    for note in notes(rows):
        print_fn(textwrap.fill(note, width=100, subsequent_indent="  "))


def markdown(header, rows):
    """A Markdown table (for report.md)."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return lines


def confused(results):
    """Header and rows: the five most-confused (true → predicted) pairs of each classifier."""
    rows = []
    for name, pair in results.items():
        if "most_confused" not in pair["tinynet"]:
            continue
        for framework in ("tinynet", "keras"):
            pairs = pair[framework]["most_confused"]
            rows.append((name, framework, ", ".join(f"{t}→{p} ×{n}" for t, p, n in pairs)))
    header = ("listing", "framework", "most-confused pairs on the test set (true→predicted ×count)")
    return header, rows


def aligned(header, rows, print_fn=print):
    """Print any small table in aligned columns."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for cells in (header, tuple("-" * w for w in widths), *rows):
        print_fn("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
