"""One listing run with the harness attached: a stage line, a bar, and every step's loss.

``watched_run`` returns the script's own result plus:

- ``curves``: one entry per fit (``"loss"``, or the gate's name), each with the per-step
  ``loss`` list and ``epoch_ends`` (the step count at the end of each epoch);
- ``step_quantity``: what ``loss`` holds (``watch.BATCH_LOSS`` unless Keras changed);
- ``steps`` and ``steps_per_epoch``: optimizer steps over all fits, and per epoch;
- ``models``: the fitted models, so that the caller can predict with them.

Linear regression (chapter 3) has no ``fit``: its ``losses`` are one full-batch step each.
"""

import numpy as np

from tinynet.tools import listings
from tinynet.tools.harness import watch

SCRIPT = {"keras": "reference/{script}", "tinynet": "tinynet/tools/listings/{name}.py"}


def watched_run(name, framework, progress, *, epochs=None, seed=0, quick=False, out=None,
                verbose=0, initial_weights=None, steps_per_epoch=None, bar=True,
                stage=True):
    """Run ``name`` in ``framework`` with a step log and (unless ``bar`` is off) a bar.

    Args:
        name: the listing.
        framework: ``"tinynet"`` or ``"keras"``.
        progress: a ``progress.Progress``.
        epochs, seed, quick, out, verbose, initial_weights: passed to the script.
        steps_per_epoch: known steps per epoch for the bar (e.g. from the Keras run).
        bar: draw the harness's bar (off when the script shows its own).
        stage: print the stage lines (off when a caller runs many seeds under one bar).
    """
    listing = listings.LISTINGS[name]
    epochs = listings.epochs_of(name, framework, epochs, quick)
    script = SCRIPT[framework].format(script=listing.script, name=name)
    shown = f", {epochs} epoch{'s' * (epochs != 1)}" if epochs else ""
    fits = f" × {listing.fits} fits" if listing.fits > 1 else ""
    if stage:
        progress.say(f"{name} on {framework}: {script}{shown}{fits} ...")
    start = progress.elapsed()

    fit_bar = progress.bar(f"{framework} {name}", epochs, listing.fits) if (
        bar and epochs and "callbacks" in listings.run_parameters(name, framework)) else None
    log = watch.StepLog(fit_bar, steps_per_epoch)
    try:
        result = listings.run(name, framework, epochs=epochs, seed=seed, quick=quick, out=out,
                              verbose=verbose, initial_weights=initial_weights,
                              callbacks=[watch.watch(framework, log)])
    finally:
        log.close()
    if stage:
        seconds = progress.elapsed() - start
        progress.say(f"{name} on {framework}: done in {seconds:.{1 if seconds >= 1 else 2}f} s")

    result["models"] = log.models
    result.update(curves_of(result, log))
    return result


def curves_of(result, log):
    """The ``curves``, ``step_quantity``, ``steps`` and ``steps_per_epoch`` of a run."""
    if log.fits:
        names = list(result["history"]) if len(log.fits) > 1 else ["loss"]
        curves = dict(zip(names, log.fits, strict=True))
        quantity, per_epoch = log.quantity, log.steps_per_epoch
    elif result.get("losses"):  # plain gradient descent: one step per epoch
        losses = list(result["losses"])
        curves = {"loss": {"loss": losses, "epoch_ends": list(range(1, len(losses) + 1))}}
        quantity, per_epoch = "full-batch loss", 1
    else:
        return {}
    return {"curves": curves, "step_quantity": quantity,
            "steps": sum(len(c["loss"]) for c in curves.values()),
            "steps_per_epoch": per_epoch}


def same_quantity(pair):
    """Make both runs' curves hold the same quantity: if one framework could only give the
    running mean of the epoch, turn the other's batch losses into that running mean too."""
    if len({run["step_quantity"] for run in pair.values()}) == 1:
        return pair
    for run in pair.values():
        if run["step_quantity"] != watch.BATCH_LOSS:
            continue
        for curve in run["curves"].values():
            curve["loss"] = running_mean(curve["loss"], curve["epoch_ends"])
        run["step_quantity"] = watch.RUNNING_MEAN
    return pair


def running_mean(losses, epoch_ends):
    """The mean of each epoch's losses so far, restarting at each epoch (equal batch weights)."""
    means, start = [], 0
    for end in epoch_ends or [len(losses)]:
        chunk = losses[start:end]
        means += list(np.cumsum(chunk) / np.arange(1, len(chunk) + 1))
        start = end
    return [float(m) for m in means]
