"""``tinynet explain xor --plot``: the PNG is written, and every number on it is a printed one."""

import re
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tinynet.tools import cli  # noqa: E402
from tinynet.tools.explain import explain_xor  # noqa: E402
from tinynet.tools.explain_plot import plot_xor  # noqa: E402

# each hidden unit alive on some points and dead on others (as in test_explain.py)
WEIGHTS = [np.array([[0.5, -0.4], [0.3, 0.8]]), np.array([0.1, -0.2]),
           np.array([[0.7], [-0.6]]), np.array([0.05])]


def numbers(text):
    """Every decimal number in ``text``, in order."""
    return [float(s) for s in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text)]


def printed(lines, prefix):
    """The numbers after the last ' = ' of the one printed line where ``prefix`` begins a word."""
    (line,) = [line for line in lines if re.search(r"(^|\s)" + re.escape(prefix), line)]
    return numbers(line.rsplit(" = ", 1)[1])


def drawn(fig):
    """``{(panel, gid): text}`` of every labelled text in the figure (panel None: the figure's)."""
    out = {(None, t.get_gid()): t.get_text() for t in fig.texts if t.get_gid()}
    for i, ax in enumerate(fig.axes):
        out.update({(i, t.get_gid()): t.get_text() for t in ax.texts if t.get_gid()})
    return out


@pytest.mark.parametrize("step", [1, 3])
def test_node_values_are_the_printed_numbers(tmp_path, step):
    lines = []
    out = explain_xor(step=step, print_fn=lines.append, weights=WEIGHTS)
    png = tmp_path / "xor.png"
    fig = plot_xor(out, png, step=step)
    texts = drawn(fig)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dy_hat = printed(lines, "loss    dŷ")
    for i in range(4):
        assert numbers(texts[i, "z/edge"]) == printed(lines, f"z[{i}] =")  # forward, on edges
        assert numbers(texts[i, "h/edge"]) == printed(lines, f"h[{i}] =")
        assert numbers(texts[i, "y_hat/edge"]) == printed(lines, f"ŷ[{i}] =")
        assert numbers(texts[i, "y_hat/grad"]) == [dy_hat[i]]  # gradients, under nodes
        assert numbers(texts[i, "h/grad"]) == printed(lines, f"dh[{i}] =")
        assert numbers(texts[i, "z/grad"]) == printed(lines, f"dz[{i}] =")
        w1 = [line for line in lines if line.startswith("dense   W = ")][0]
        assert numbers(texts[i, "W1/edge"]) == numbers(w1.split("b = ")[0])
        assert fig.axes[i].get_title().startswith(f"sample {i}: x = {_x(out, i)}")
    footer = texts[None, "batch"]
    for layer, name in (("dense  ", "1"), ("dense_1", "2")):
        for g in ("dW", "db"):
            value = [line for line in lines if line.startswith(f"{layer} {g} = ")][0]
            assert f"{g}{name} = {value.rsplit(' = ', 1)[1]}" in footer
    assert f"L = {printed(lines, 'loss    L')[0]:.4f}" in footer
    title = fig._suptitle.get_text()  # the figure states its choice: panels per sample
    assert f"training step {step}" in title and "one panel per sample" in title
    assert "the batch loss L = the mean over the 4 samples" in title


def _x(out, i):
    return "[" + ", ".join(str(int(v)) for v in out["x"][i]) + "]"


def test_cli_writes_the_png(tmp_path, capsys):
    png = tmp_path / "step.png"
    assert cli.main(["explain", "xor", "--step", "2", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "training step 2" in out and f"graph of this step written to {png}" in out
    import matplotlib.image

    image = matplotlib.image.imread(png)
    assert image.shape[:2] == (1100, 2000) and image.std() > 0.05


def test_without_matplotlib_the_error_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    assert cli.main(["explain", "xor", "--plot", str(tmp_path / "x.png")]) == 1
    assert "pip install tinynet[plot]" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
