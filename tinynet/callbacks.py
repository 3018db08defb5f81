"""Callbacks that watch training: History, EarlyStopping and TerminateOnNaN."""

import math
import warnings

import numpy as np

from tinynet import validation


class TrainingStopped(RuntimeWarning):
    """``fit`` stopped early because the loss became NaN or infinite."""


# Python shows a warning once per call site by default; a second diverging fit must say so too.
warnings.filterwarnings("always", category=TrainingStopped)


class Callback:
    """Hooks called by ``fit``; ``self.model`` and ``self.params`` (``epochs``, ``steps`` per
    epoch, ``verbose``, as in Keras) are set before training starts."""

    params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_end(self, logs=None): ...


class History(Callback):
    """Records each epoch's logs in ``.history``, a dict of lists, as Keras's History."""

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite (on by default in ``fit``)."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.model.stop_training = True
            self.model.stop_reason = (
                f"Batch {batch}: loss is {loss}; training stopped. "
                "Lower the learning rate, scale the inputs, or check the targets for bad values."
            )


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the logged quantity to watch, e.g. ``'val_loss'`` or ``'accuracy'``.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (max for accuracy-like names, else min).
        restore_best_weights: put back the weights of the best epoch when stopping.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}.")
        if not isinstance(monitor, str):
            raise validation.ArgumentError(f"EarlyStopping: monitor must be the name of a logged "
                                           f"value, e.g. 'val_loss', got {monitor!r}.")
        patience = validation.check_int(patience, "EarlyStopping: patience", minimum=0,
                                        example="patience=3")
        min_delta = validation.check_number(min_delta, "EarlyStopping: min_delta",
                                            example="min_delta=0.001")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor, self.patience, self.mode = monitor, patience, mode
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None
        self.best = np.inf if self.mode == "min" else -np.inf

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor not in (logs or {}):
            raise ValueError(
                f"EarlyStopping: monitor {self.monitor!r} is not logged; available: "
                f"{', '.join(sorted(logs or {}))}. Pass validation data for 'val_*' names."
            )
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:  # Keras's rule, counted the same way
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
