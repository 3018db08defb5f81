"""What ``tinynet run``, ``compare`` and ``seeds`` do; ``cli.py`` parses their arguments.

stdout carries the results (the book's lines, the tables); stderr carries the progress
(``progress.py``), which ``--quiet`` turns off.
"""

import json
from pathlib import Path

from tinynet.tools import listings
from tinynet.tools.harness import confusion, figures, lockstep, report, runs, seeds
from tinynet.tools.harness.progress import Progress
from tinynet.tools.listings import LISTINGS, plots, table

DIGIT = 300  # the test image the book's CNN listing reads


def command_line(args, names=()):
    """The command as a user would type it, for captions and report.md."""
    words = ["tinynet", args.command, *names]
    for flag in ("quick", "lockstep"):
        if getattr(args, flag, False):
            words.append(f"--{flag}")
    for option in ("framework", "epochs", "seeds", "keras_seeds"):
        value = getattr(args, option, None)
        if value is not None:
            words.append(f"--{option.replace('_', '-')} {value}")
    if hasattr(args, "seed"):
        words.append(f"--seed {args.seed}")
    return " ".join(words)


# -- tinynet run ------------------------------------------------------------------------------
def run(args):
    """One listing with its own printed lines, the harness's progress, then one summary line."""
    listing = LISTINGS[args.name]
    progress = Progress(args.quiet, "run")
    if args.framework == "keras":
        listings.load_reference(listing.script)  # fail early, and import TF quietly
    result = runs.watched_run(args.name, args.framework, progress, epochs=args.epochs,
                              seed=args.seed, quick=args.quick, out=args.out, verbose=1,
                              bar=not listing.verbose_fit)
    if "predicted_digit" in result:
        image = confusion.test_set(quick=False)[0][DIGIT]
        figures.digit(image, {args.framework: result["predictions"]}, result["label"], DIGIT,
                      Path(result["png"]),
                      f"made by `{command_line(args, [args.name])}` (seed {args.seed})")
    if "seconds" in result:
        print(f"{args.name} on {args.framework}: final loss {table.loss(result)}, "
              f"{result['seconds']:.2f} s of training")
    return 0


# -- tinynet compare --------------------------------------------------------------------------
def compare(args):
    """Keras first, then the twin from Keras's initial weights; table, PNGs, JSON, report.md."""
    out = Path(args.out)
    names = list(dict.fromkeys(args.names)) or list(LISTINGS)
    # Without Keras or matplotlib, say so now, before any work is done.
    listings.load_reference(LISTINGS[names[0]].script)
    plots.pyplot()
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress(args.quiet, "compare")
    command = command_line(args, args.names)
    caption = f"made by `{command}` (seed {args.seed})"
    results, drawn, rows = {}, {}, []
    for name in names:
        results[name], drawn[name] = compare_one(name, args, out, progress, caption)
        rows.append(table.row(name, LISTINGS[name].keys, results[name]["tinynet"],
                              results[name]["keras"]))
    locked = {}
    if args.lockstep:
        for name in (n for n in names if n in lockstep.LOCKSTEP):
            locked[name], png = lockstep_one(name, args, out, progress, caption)
            drawn[name].append(png)
    table.show(rows)
    confused = table.confused(results)
    if confused[1]:
        print()
        table.aligned(*confused)
    lock_table = lockstep_table(locked) if locked else None
    if lock_table:
        print("\nlockstep: the same weights, batches and dropout masks in both frameworks")
        table.aligned(*lock_table)
    if args.quick:
        short = ", ".join(f"{name} {listing.quick_epochs}" for name, listing in LISTINGS.items()
                          if listing.quick_epochs)
        print(f"--quick: MNIST on 2,000 training and 1,000 test images; epochs: {short}.")
    figures_list = [str(png) for pngs in drawn.values() for png in pngs]
    (out / "compare.json").write_text(json.dumps(
        {"command": command, "seed": args.seed, "quick": args.quick,
         "listings": listings.to_json(results),
         "lockstep": {name: {k: v for k, v in r.items() if k != "losses"}
                      for name, r in locked.items()},
         "figures": figures_list}, indent=1))
    shown = {name: pngs + own_pngs(results[name]["tinynet"], pngs) for name, pngs in drawn.items()}
    report.write(out / "report.md", command, args.seed, rows, confused, lock_table, shown)
    print(f"PNGs, compare.json and report.md written to {out}")
    return 0


def compare_one(name, args, out, progress, caption):
    """One listing in Keras, then in tinynet from Keras's start; returns the pair and PNGs."""
    listing = LISTINGS[name]
    theirs = runs.watched_run(name, "keras", progress, seed=args.seed, quick=args.quick,
                              out=out / "keras")
    mine = runs.watched_run(name, "tinynet", progress, seed=args.seed, quick=args.quick,
                            out=out, initial_weights=theirs.get("initial_weights"),
                            steps_per_epoch=theirs.get("steps_per_epoch"))
    pair = {"keras": theirs, "tinynet": mine}
    pngs = []
    bits = seeds.functions(name)
    if bits:
        for result in pair.values():
            result["learned"] = learned(result["predictions"], bits)
    if listing.curves and all("curves" in r for r in pair.values()):
        runs.same_quantity(pair)
        png = plots.learning_curves(name, {"tinynet": mine, "keras": theirs},
                                    out / f"{name}_learning_curves.png", caption)
        if png is None:
            progress.say(f"{name}: fewer than two steps, so no learning curve is drawn")
        else:
            pngs.append(png)
    if listing.confusion:
        images, labels = confusion.test_set(args.quick)
        matrices = {fw: confusion.attach(pair[fw], fw, images, labels)
                    for fw in ("tinynet", "keras")}
        pngs.append(figures.confusion(name, matrices, out / f"{name}_confusion.png", caption))
    if "predicted_digit" in mine:
        image = confusion.test_set(quick=False)[0][DIGIT]
        pngs.append(figures.digit(image, {fw: pair[fw]["predictions"]
                                          for fw in ("tinynet", "keras")},
                                  mine["label"], DIGIT, Path(mine["png"]), caption))
    return pair, pngs


def own_pngs(result, drawn):
    """The PNGs the twin itself wrote (the book's figures), apart from those redrawn here."""
    pngs = result.get("png") or []
    pngs = [pngs] if isinstance(pngs, str) else list(pngs)
    redrawn = {Path(p).resolve() for p in drawn}
    return [Path(p) for p in pngs if Path(p).is_file() and Path(p).resolve() not in redrawn]


def learned(predictions, bits):
    """``True``/``False`` for XOR; a dict per gate for the gates."""
    if isinstance(predictions, dict):
        return {gate: seeds.learned(p, bits[gate]) for gate, p in predictions.items()}
    return seeds.learned(predictions, next(iter(bits.values())))


def lockstep_one(name, args, out, progress, caption):
    """Both frameworks in lockstep; the result and its figure."""
    progress.say(f"{name} in lockstep: the same batches and dropout masks on both sides ...")
    result = lockstep.run_lockstep(name, seed=args.seed, quick=args.quick, progress=progress)
    bound = lockstep.envelope(result["steps"], result["fan_in"])
    png = figures.lockstep(name, result["losses"], bound, out / f"{name}_lockstep.png", caption)
    return result, png


def lockstep_table(locked):
    """Header and rows: steps, the largest relative loss gap and where, the final losses."""
    header = ("listing", "steps", "largest relative loss gap", "at step",
              "left the float32 envelope", "final loss tinynet / keras")
    rows = [(name, str(r["steps"]), f"{r['max_relative_difference']:.2e}",
             str(r["at_step"]) if r["max_relative_difference"] else "-",
             "never" if r["left_envelope_at"] is None else f"at step {r['left_envelope_at']}",
             f"{r['losses']['tinynet'][-1]:.6g} / {r['losses']['keras'][-1]:.6g}")
            for name, r in locked.items()]
    return header, rows


# -- tinynet seeds ----------------------------------------------------------------------------
def seeds_command(args):
    """Train from N seeds in both frameworks; print the verdicts and draw decision boundaries."""
    name = args.name
    keras_seeds = seeds.KERAS_SEEDS[name] if args.keras_seeds is None else args.keras_seeds
    keras_seeds = min(keras_seeds, args.seeds)
    listings.load_reference(LISTINGS[name].script)  # Keras's initial weights, for every seed
    plots.pyplot()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    epochs = args.epochs or listings.epochs_of(name)
    progress = Progress(args.quiet, "seeds")
    result = seeds.run_seeds(name, args.seeds, keras_seeds, epochs, progress)

    command = command_line(args, [name])
    print(f"`{command}`: {name} from {args.seeds} seeds, {epochs} epochs each; every seed "
          "starts from Keras's glorot_uniform draw for it, in both frameworks.")
    keras_note = (f"seeds 0-{keras_seeds - 1}" if keras_seeds > 1 else
                  "seed 0" if keras_seeds else "no seeds")
    print(f"tinynet trained every seed; Keras {keras_note} (--keras-seeds {keras_seeds}: "
          "each Keras fit spends 35-60 s in per-epoch overhead).")
    print("learned = every prediction rounds to the right bit.\n")
    table.aligned(*seeds.table_rows(result))
    print()
    for line in seeds.summary(result) + seeds.reasons(result):
        print(line)
    png = figures.decision_boundaries(
        seeds.panels(result), out / f"{name}_seeds.png",
        f"{name}: what the network computes, for a seed that learns and one that fails "
        f"(tinynet, {epochs} epochs)", f"made by `{command}`")
    json_path = out / f"{name}_seeds.json"
    json_path.write_text(json.dumps(listings.to_json(seeds.to_json(result)), indent=1))
    print(f"\nDecision boundaries: {png}; every verdict: {json_path}")
    return 0
