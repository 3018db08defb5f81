"""``python -m tinynet ...``: the same as the ``tinynet`` command."""

from tinynet.tools.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
