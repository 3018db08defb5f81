"""What ``compare``, ``run`` and ``seeds`` are doing, on stderr: stage lines and fit bars.

Everything goes to stderr so that the table on stdout stays clean to pipe, and ``--quiet``
turns all of it off. A stage line carries the time since the command started::

    [  4:51] compare: mnist_mlp on keras: reference/mnist_mlp.py, 5 epochs ...
    keras mnist_mlp  41%|████      | 2.1/5 epochs [00:12<00:17]

The bar counts epochs (in tenths, or hundredths for a fit of one or two, once the steps per
epoch are known), with tqdm's ETA.
"""

import sys
import time

from tqdm.auto import tqdm


class Progress:
    """Stage lines and fit bars on stderr, or nothing at all when ``quiet``.

    Args:
        quiet: print nothing.
        command: the name that starts each stage line, e.g. ``"compare"``.
    """

    def __init__(self, quiet=False, command="tinynet"):
        self.quiet = quiet
        self.command = command
        self.start = time.perf_counter()

    def elapsed(self):
        """Seconds since the command started."""
        return time.perf_counter() - self.start

    def say(self, text):
        """One stage line, prefixed by the minutes and seconds since the start."""
        if self.quiet:
            return
        minutes, seconds = divmod(int(self.elapsed()), 60)
        print(f"[{minutes:3d}:{seconds:02d}] {self.command}: {text}", file=sys.stderr,
              flush=True)

    def bar(self, label, epochs, fits=1):
        """A bar for ``fits`` fits of ``epochs`` epochs each (a ``FitBar``)."""
        return FitBar(label, epochs, fits, disable=self.quiet)

    def items(self, iterable, label, unit):
        """``iterable`` with a plain tqdm bar (e.g. over seeds)."""
        return tqdm(iterable, desc=label, unit=unit, file=sys.stderr, disable=self.quiet,
                    mininterval=0.5, dynamic_ncols=True)


class FitBar:
    """A tqdm bar over epochs; fed by the step watchers of ``watch.py``.

    Args:
        label: shown before the bar, e.g. ``"keras mnist_mlp"``.
        epochs: epochs per fit.
        fits: how many fits the listing runs (the gates: one per gate).
        disable: draw nothing.
    """

    def __init__(self, label, epochs, fits=1, disable=False):
        self.epochs, self.fits = epochs, fits
        self.fit, self.done_epochs = 0, 0
        self.steps_per_epoch = None
        self.bar = tqdm(total=epochs * fits, desc=label, unit="epoch", file=sys.stderr,
                        disable=disable, mininterval=0.5, dynamic_ncols=True,
                        bar_format=self._format(tenths=False))

    def _format(self, tenths):
        n = "{n:.0f}" if not tenths else "{n:.2f}" if self.epochs * self.fits < 3 else "{n:.1f}"
        return ("{desc} {percentage:3.0f}%|{bar}| " + n
                + "/{total_fmt} epochs [{elapsed}<{remaining}{postfix}]")

    def set_steps(self, steps):
        """The steps per epoch, once known: the bar then moves within an epoch."""
        if steps and steps > 1 and self.steps_per_epoch is None:
            self.bar.bar_format = self._format(tenths=True)
        self.steps_per_epoch = steps

    def begin_fit(self):
        self.fit += 1
        if self.fits > 1:
            self.bar.set_postfix_str(f"fit {self.fit}/{self.fits}", refresh=False)

    def step(self, step_in_epoch):
        """After step ``step_in_epoch`` (from 0) of the current epoch."""
        if self.steps_per_epoch and self.steps_per_epoch > 1:
            self.bar.n = self.done_epochs + (step_in_epoch + 1) / self.steps_per_epoch
            self.bar.update(0)  # redraws at most every mininterval

    def end_epoch(self):
        self.done_epochs += 1
        self.bar.n = self.done_epochs
        self.bar.update(0)

    def close(self):
        self.bar.close()
