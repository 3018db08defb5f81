"""The README names real files: every path it mentions under tinynet/, reference/, tests/ or
benchmarks/ exists, so the reading order can't drift from the tree."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = re.compile(r"`((?:tinynet|reference|tests|benchmarks)/[\w/.\-]+)`")


def test_every_path_the_readme_names_exists():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(PATH.findall(text))
    reading = text.split("## Reading order for learning backprop", 1)[1].split("\n## ", 1)[0]
    assert len(PATH.findall(reading)) > 10, "the reading order should name its files"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"README names files that do not exist: {missing}"

