"""The ``tinynet`` command line: one ``add_*_parser`` function per subcommand."""

import argparse
import sys

from tinynet.datasets import ChecksumError, DataUnavailableError, cache_dir, mnist

DATASETS = {"mnist": mnist}


def add_data_parser(subparsers):
    """``tinynet data fetch <dataset>`` and ``tinynet data info [<dataset>]``."""
    data = subparsers.add_parser("data", help="fetch datasets and check the local copies")
    actions = data.add_subparsers(dest="action", required=True, metavar="{fetch,info}")
    fetch = actions.add_parser("fetch", help="fetch a dataset into tinynet's cache")
    fetch.add_argument("dataset", choices=sorted(DATASETS))
    fetch.set_defaults(func=data_fetch)
    info = actions.add_parser("info", help="where each file comes from and if its sha256 holds")
    info.add_argument("dataset", nargs="?", default="mnist", choices=sorted(DATASETS))
    info.set_defaults(func=data_info)
    for sub in (fetch, info):
        sub.add_argument("--path", help="a folder of IDX files or an .npz (as $TINYNET_DATA)")


def data_fetch(args):
    """Fetch through the source chain and say where the data came from."""
    source = DATASETS[args.dataset].fetch(args.path)
    print(f"{args.dataset}: from {source}")
    print(f"{args.dataset}: cached in {cache_dir(args.dataset)}")
    return 0


def data_info(args):
    """One line per file: name, source, location, checksum status. Exit 1 if any is not ok."""
    rows = DATASETS[args.dataset].info(args.path)
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    for row in rows:
        cells = (str(cell).ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        print("  ".join(cells), row[3], sep="  ")
    return 0 if all(row[3] == "sha256 ok" for row in rows) else 1


def build_parser():
    """The ``tinynet`` parser; each subcommand is added by its own ``add_*_parser``."""
    parser = argparse.ArgumentParser(
        prog="tinynet", description="A NumPy deep-learning framework that mirrors Keras."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in (add_data_parser,):
        add(subparsers)
    return parser


def main(argv=None):
    """Run ``tinynet``; returns the exit status (0 ok, 1 a data error, 2 a usage error).

    Args:
        argv: the arguments after ``tinynet``; defaults to ``sys.argv[1:]``.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataUnavailableError, ChecksumError, OSError) as e:
        print(f"tinynet: error: {e}", file=sys.stderr)
        return 1
