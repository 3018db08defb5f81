"""The ``tinynet`` command line: one ``add_*_parser`` function per subcommand."""

import argparse
import sys

from tinynet.datasets import ChecksumError, DataUnavailableError, cache_dir, mnist
from tinynet.tools import listings
from tinynet.tools.exercises.cli import add_exercise_parser
from tinynet.tools.harness import commands
from tinynet.tools.listings import LISTINGS, ListingUnavailableError

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


def whole_number(low, high=None):
    """An argparse type: a whole number in ``[low, high]`` (``--seed 0``, ``--step 3``)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low:,} to {high:,}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected a whole number {bound}, got {text!r}")
        return value
    return parse


SEED = whole_number(0, 2**32 - 1)  # NumPy's generators take no negative seed
EXPLAIN_STEP = whole_number(1, 10_000)  # tinynet.tools.explain.MAX_STEP (a test holds them equal)


def positive_int(text):
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def listing_name(text):
    """An argparse type: the name of a listing (``choices`` rejects an empty ``nargs="*"``)."""
    if text not in LISTINGS:
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(LISTINGS)})")
    return text


def add_list_parser(subparsers):
    """``tinynet list``: the listings, with the numbers the book printed."""
    parser = subparsers.add_parser("list", help="the book's listings and what the book printed")
    parser.set_defaults(func=list_listings)


def list_listings(args):
    """One line per listing: name, where the book has it, the book's numbers."""
    width = max(map(len, LISTINGS))
    title = max(len(listing.title) for listing in LISTINGS.values())
    for name, listing in LISTINGS.items():
        print(f"{name:<{width}}  {listing.title:<{title}}  {listing.book}")
    return 0


QUIET_HELP = "no progress on stderr (which listing, elapsed time, bars); stdout is unchanged"


def add_run_parser(subparsers):
    """``tinynet run NAME [--framework tinynet|keras] [--epochs N] [--seed S] [--quick]``."""
    parser = subparsers.add_parser("run", help="run one listing, as tinynet's twin or in Keras")
    parser.add_argument("name", choices=list(LISTINGS), help="the listing (see `tinynet list`)")
    parser.add_argument("--framework", choices=listings.FRAMEWORKS, default="tinynet",
                        help="tinynet's twin (default) or the Keras reference script")
    parser.add_argument("--epochs", type=positive_int, help="default: the book's")
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="MNIST on 2,000 images; XOR and the gates with fewer epochs")
    parser.add_argument("--out", help="folder for PNGs (default: ./out)")
    parser.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    parser.set_defaults(func=run_listing)


def run_listing(args):
    """Run the listing with its own printed lines, then one line of figures."""
    return commands.run(args)


def add_compare_parser(subparsers):
    """``tinynet compare [NAME ...] [--quick] [--lockstep] [--out DIR] [--seed S] [--quiet]``."""
    parser = subparsers.add_parser(
        "compare", help="run listings in Keras, then in tinynet from Keras's initial weights")
    parser.add_argument("names", nargs="*", metavar="NAME", type=listing_name,
                        help=f"listings to compare (default: all of {', '.join(LISTINGS)})")
    parser.add_argument("--quick", action="store_true",
                        help="MNIST on 2,000 images; XOR and the gates with fewer epochs")
    parser.add_argument("--lockstep", action="store_true",
                        help="also train XOR, the MLP and the CNN in both frameworks on the "
                             "same batches and dropout masks, and plot the loss gap per step")
    parser.add_argument("--out", default="out",
                        help="folder for PNGs, compare.json and report.md (default: ./out)")
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    parser.set_defaults(func=compare_listings)


def compare_listings(args):
    """Keras first, then the twin; a table, PNGs, compare.json and report.md in ``--out``."""
    return commands.compare(args)


def add_seeds_parser(subparsers):
    """``tinynet seeds xor|logic_gates [--seeds N] [--keras-seeds K] [--epochs E]``."""
    parser = subparsers.add_parser(
        "seeds", help="how often XOR and the gates learn, over many seeds, in both frameworks")
    parser.add_argument("name", choices=["xor", "logic_gates"])
    parser.add_argument("--seeds", type=positive_int, default=20,
                        help="train from seeds 0 to N-1 (default: 20)")
    parser.add_argument("--keras-seeds", type=whole_number(0), metavar="K",
                        help="run Keras on the first K seeds too (default: 5 for xor, 2 for "
                             "logic_gates; a Keras fit costs 35-60 s of per-epoch overhead)")
    parser.add_argument("--epochs", type=positive_int, help="default: the book's 1000")
    parser.add_argument("--out", default="out",
                        help="folder for the decision-boundary PNG and the JSON (default: ./out)")
    parser.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    parser.set_defaults(func=seeds)


def seeds(args):
    """Hand over to ``tinynet.tools.harness.commands``."""
    return commands.seeds_command(args)


def add_explain_parser(subparsers):
    """``tinynet explain xor [--step N]``: the numbers of one training step, explained."""
    parser = subparsers.add_parser(
        "explain", help="walk through one training step: XOR's, or an LSTM's through time")
    parser.add_argument("topic", choices=["xor", "lstm"],
                        help="xor: the book's XOR net; lstm: backprop through time in a tiny LSTM")
    parser.add_argument("--step", type=EXPLAIN_STEP, default=1,
                        help="which step of XOR's training (default: 1)")
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also draw the step as a graph, one panel per sample (matplotlib)")
    parser.set_defaults(func=explain)


def explain(args):
    """Hand over to ``tinynet.tools.explain`` (``explain_lstm`` for lstm), imported only now."""
    if args.topic == "lstm":
        if getattr(args, "plot", None):
            print("tinynet: error: --plot draws `tinynet explain xor` only.", file=sys.stderr)
            return 2
        from tinynet.tools.explain_lstm import explain_lstm

        explain_lstm(seed=args.seed)
        return 0
    try:
        from tinynet.tools.explain import explain_xor
    except ModuleNotFoundError as e:
        if e.name != "tinynet.tools.explain":
            raise
        print("tinynet: error: `tinynet explain` is not in this build (tinynet/explain.py is "
              "missing); update tinynet.", file=sys.stderr)
        return 1
    out = explain_xor(step=args.step, seed=args.seed)
    if args.plot:
        from tinynet.tools.explain_plot import plot_xor

        try:
            plot_xor(out, args.plot, step=args.step, seed=args.seed)
        except ModuleNotFoundError as e:
            if e.name != "matplotlib":
                raise
            print(f"tinynet: error: {e}", file=sys.stderr)
            return 1
        print(f"graph of this step written to {args.plot}")
    return 0


def build_parser():
    """The ``tinynet`` parser; each subcommand is added by its own ``add_*_parser``."""
    parser = argparse.ArgumentParser(
        prog="tinynet", description="A NumPy deep-learning framework that mirrors Keras."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in (add_data_parser, add_list_parser, add_run_parser, add_compare_parser,
                add_seeds_parser, add_explain_parser, add_exercise_parser):
        add(subparsers)
    return parser


def main(argv=None):
    """Run ``tinynet``; returns the exit status (0 ok, 1 missing data or extras, 2 usage).

    Args:
        argv: the arguments after ``tinynet``; defaults to ``sys.argv[1:]``.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataUnavailableError, ChecksumError, ListingUnavailableError, OSError) as e:
        print(f"tinynet: error: {e}", file=sys.stderr)
        return 1
