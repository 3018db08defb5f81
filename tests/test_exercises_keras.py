"""``tinynet exercise check`` step 3: every reference solution matches Keras in float64."""

import pytest

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.keras

from tinynet.tools.exercises import EXERCISES, get  # noqa: E402
from tinynet.tools.exercises.grading import check  # noqa: E402


def grade(name, text, tmp_path):
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    lines = []
    passed = check(get(name), path, keras=True, train=False, print_fn=lines.append)
    return passed, "\n".join(lines)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_reference_matches_keras(name, tmp_path):
    passed, report = grade(name, get(name).solution_text(), tmp_path)
    assert passed, report
    step3 = report.split("3 Keras parity, float64")[1].split("\n4 ")[0].split("\nPASSED")[0]
    assert "ok   largest relative error" in step3 and "FAILED" not in step3
