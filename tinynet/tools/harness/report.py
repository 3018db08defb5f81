"""``report.md``: a ``tinynet compare`` run as Markdown, to paste into an issue or a README.

It holds the command, the table and its footnotes, the most-confused pairs, the lockstep
figures when there are any, and every PNG embedded by its relative path (it sits beside them).
"""

import os
from pathlib import Path

from tinynet.tools.listings import table


def write(path, command, seed, rows, confused, lockstep, figures):
    """Write ``report.md``.

    Args:
        path: the file (in the folder of the PNGs).
        command: the command line that made the run; seed: its seed.
        rows: the rows of the compare table (``table.row``).
        confused: ``(header, rows)`` of the most-confused pairs (``table.confused``).
        lockstep: ``(header, rows)`` of the lockstep table, or ``None``.
        figures: listing → the PNG paths it drew, in order.
    """
    path = Path(path)
    lines = [f"# `{command}`", "", f"Seed {seed}. Each cell reads tinynet / Keras.", ""]
    lines += table.markdown(table.HEADER, rows)
    lines += [""] + [f"- {note}" for note in table.notes(rows)]
    if confused[1]:
        lines += ["", "## Most-confused pairs", ""] + table.markdown(*confused)
    if lockstep:
        lines += ["", "## Lockstep", "",
                  "Same initial weights, batch order and dropout masks on both sides; "
                  "the gap is |tinynet − Keras| / |Keras| of each step's batch loss.", ""]
        lines += table.markdown(*lockstep)
    for name, pngs in figures.items():
        if not pngs:
            continue
        lines += ["", f"## {name}"]
        for png in map(Path, pngs):
            relative = Path(os.path.relpath(png, path.parent)).as_posix()
            lines += ["", f"![{png.stem.replace('_', ' ')}]({relative})"]
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path
