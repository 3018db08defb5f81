"""Callbacks the harness hands to a listing's ``fit``: the loss of every step, and a bar.

Both frameworks record the same quantity, the **batch loss**: the mean loss over one batch,
computed in the forward pass before that batch's update.

- tinynet's ``on_batch_end`` logs exactly that.
- Keras 3's ``on_train_batch_end`` logs the running mean of the epoch so far, not the batch
  loss. Its loss tracker keeps the float32 sums behind that mean (``total`` += loss × batch
  size, ``count`` += batch size; ``keras/src/backend/tensorflow/trainer.py``), so the batch
  loss is ``Δtotal / Δcount`` between two steps. Its float32 rounding is below 1e-4 of the
  loss on a full MNIST epoch, invisible on a plot. (Without that tracker, a future Keras,
  the watcher records the running mean instead and says so in ``quantity``.)

The watcher also keeps each fitted model (``models``), so the harness can predict with it
after the script has returned.
"""

BATCH_LOSS = "batch loss"
RUNNING_MEAN = "running mean of the epoch"


class StepLog:
    """The per-step losses of one listing run in one framework, fit by fit.

    Args:
        bar: a ``progress.FitBar`` to move, or ``None``.
        steps_per_epoch: a known value (e.g. from the Keras run on the same data), or
            ``None`` to learn it from the first epoch.
    """

    def __init__(self, bar=None, steps_per_epoch=None):
        self.bar = bar
        self.fits, self.models = [], []
        self.steps_per_epoch = steps_per_epoch
        self.quantity = BATCH_LOSS
        if bar is not None:
            bar.set_steps(steps_per_epoch)

    def begin_fit(self, model):
        self.models.append(model)
        self.fits.append({"loss": [], "epoch_ends": []})
        if self.bar is not None:
            self.bar.begin_fit()

    def set_steps(self, steps):
        if steps:
            self.steps_per_epoch = steps
            if self.bar is not None:
                self.bar.set_steps(steps)

    def step(self, step_in_epoch, loss):
        self.fits[-1]["loss"].append(float(loss))
        if self.bar is not None:
            self.bar.step(step_in_epoch)

    def end_epoch(self):
        fit = self.fits[-1]
        if self.steps_per_epoch is None and not fit["epoch_ends"]:
            self.set_steps(len(fit["loss"]))
        fit["epoch_ends"].append(len(fit["loss"]))
        if self.bar is not None:
            self.bar.end_epoch()

    def close(self):
        if self.bar is not None:
            self.bar.close()

    @property
    def steps(self):
        """Optimizer steps recorded, over all fits."""
        return sum(len(fit["loss"]) for fit in self.fits)


def tinynet_watch(log):
    """A ``tinynet.callbacks.Callback`` that feeds ``log``."""
    from tinynet.callbacks import Callback

    class TinynetWatch(Callback):
        def on_train_begin(self, logs=None):
            log.begin_fit(self.model)
            log.set_steps(self.params["steps"])

        def on_batch_end(self, batch, logs=None):
            log.step(batch, logs["loss"])  # the batch loss itself

        def on_epoch_end(self, epoch, logs=None):
            log.end_epoch()

    return TinynetWatch()


def keras_watch(log):
    """A ``keras.callbacks.Callback`` that feeds ``log`` with batch losses (see the module)."""
    import keras

    class KerasWatch(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            log.begin_fit(self.model)
            log.set_steps((self.params or {}).get("steps"))
            self.tracker = getattr(self.model, "_loss_tracker", None)
            if self.tracker is None or not hasattr(self.tracker, "total"):
                log.quantity = RUNNING_MEAN

        def on_epoch_begin(self, epoch, logs=None):
            self.total = self.count = 0.0

        def on_train_batch_end(self, batch, logs=None):
            if log.quantity == RUNNING_MEAN:
                log.step(batch, logs["loss"])
                return
            total = float(self.tracker.total.numpy())
            count = float(self.tracker.count.numpy())
            log.step(batch, (total - self.total) / (count - self.count))
            self.total, self.count = total, count

        def on_epoch_end(self, epoch, logs=None):
            log.end_epoch()

    return KerasWatch()


def watch(framework, log):
    """The callback for ``framework`` (``"tinynet"`` or ``"keras"``) that feeds ``log``."""
    return tinynet_watch(log) if framework == "tinynet" else keras_watch(log)
