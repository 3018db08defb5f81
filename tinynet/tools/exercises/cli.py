"""``tinynet exercise list | start NAME | check NAME | solution NAME``."""

import sys
from pathlib import Path

from tinynet.tools.exercises import EXERCISES, get

DEFAULT_DIR = "tinynet-exercises"


def add_exercise_parser(subparsers):
    """The ``exercise`` subcommand and its four actions."""
    parser = subparsers.add_parser(
        "exercise", help="write the backward passes yourself; check grades them")
    actions = parser.add_subparsers(dest="action", required=True,
                                    metavar="{list,start,check,solution}")
    actions.add_parser("list", help="each exercise, its difficulty and what it teaches"
                       ).set_defaults(func=list_exercises)
    start = actions.add_parser("start", help="write the exercise's file into your folder")
    start.add_argument("--hint", action="store_true", help="also print a hint and the formula")
    start.add_argument("--force", action="store_true", help="overwrite a file already there")
    start.set_defaults(func=start_exercise)
    check = actions.add_parser("check", help="grade your file: shapes, gradients, Keras, training")
    check.add_argument("--no-keras", dest="keras", action="store_false", default=None,
                       help="skip step 3 even when TensorFlow is installed")
    check.add_argument("--no-train", dest="train", action="store_false",
                       help="skip step 4, the training run")
    check.add_argument("--data", choices=["mnist", "synthetic"],
                       help="step 4's images (default: MNIST when a local copy exists)")
    check.set_defaults(func=check_exercise)
    solution = actions.add_parser("solution", help="print the reference: the library's code")
    solution.set_defaults(func=print_solution)
    for sub in (start, check, solution):
        sub.add_argument("name", choices=list(EXERCISES), metavar="NAME",
                         help=f"one of {', '.join(EXERCISES)}")
    for sub in (start, check):
        sub.add_argument("--dir", default=DEFAULT_DIR,
                         help=f"your exercises' folder (default: ./{DEFAULT_DIR})")


def list_exercises(args):
    """One line per exercise, in the suggested order."""
    width = max(map(len, EXERCISES))
    title = max(len(e.title) for e in EXERCISES.values())
    print("Suggested order, top to bottom. Difficulty: * a few lines, ** a paragraph, "
          "*** a page.")
    for i, (name, e) in enumerate(EXERCISES.items(), start=1):
        print(f"{i:>2}. {name:<{width}}  {'*' * e.level:<3}  {e.title:<{title}}  {e.teaches}")
    print(f"Start one with `tinynet exercise start NAME` (it writes ./{DEFAULT_DIR}/NAME.py).")
    return 0


def start_exercise(args):
    """Write the stub (unless it is there already), then the hint if asked for."""
    exercise, folder = get(args.name), Path(args.dir)
    path = folder / f"{exercise.name}.py"
    if path.exists() and not args.force:
        print(f"{path} is there already: your work is kept (--force starts it over).")
    else:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(exercise.stub_text(), encoding="utf-8")
        print(f"wrote {path}: the forward pass is given; write "
              f"{' and '.join(exercise.functions)}.")
    if args.hint:
        print(f"\nhint: {exercise.hint}\n\nthe formula to end up with:\n    {exercise.formula}")
    else:
        print(f"Stuck? `tinynet exercise start {exercise.name} --hint`. Done? "
              f"`tinynet exercise check {exercise.name}" +
              ("" if args.dir == DEFAULT_DIR else f" --dir {args.dir}") + "`.")
    return 0


def check_exercise(args):
    """Grade the learner's file; exit status 0 only when it passes."""
    from tinynet.tools.exercises.grading import check

    exercise = get(args.name)
    path = Path(args.dir) / f"{exercise.name}.py"
    if not path.is_file():
        print(f"tinynet: error: {path} does not exist. Start the exercise with "
              f"`tinynet exercise start {exercise.name}" +
              ("" if args.dir == DEFAULT_DIR else f" --dir {args.dir}") + "`.", file=sys.stderr)
        return 1
    return 0 if check(exercise, path, keras=args.keras, train=args.train, data=args.data) else 1


def print_solution(args):
    """The reference solution (the library's own functions), then the library's fast form."""
    exercise = get(args.name)
    print(f"# The reference solution of `{exercise.name}`: your file with the library's code for "
          f"{', '.join(exercise.functions)}.")
    print(f"# The formula: {exercise.formula}\n")
    print(exercise.solution_text())
    if exercise.library:
        print("\n# ---- the same in the library, the form that runs in fit() ----\n")
        print(exercise.library_text())
    return 0
