"""Trainer: Keras's compile / fit / evaluate / predict / train_on_batch, for ``Sequential``.

As ``keras/src/trainers/trainer.py``: the loops over batches and epochs live here, apart from the
model's structure and its chain rule (``sequential.py``). One training step is
forward → loss and backward → ``optimizer.update(parameters, gradients)``.
"""

import time
import warnings

import numpy as np
from tqdm.auto import tqdm

from tinynet import callbacks as callbacks_module
from tinynet import losses, optimizers, parallel, regularizers, utils, validation
from tinynet import metrics as metrics_module


class Trainer:
    """The training API of a model; ``Sequential`` supplies the layers and the two passes."""

    workers = None  # threads per batch (tinynet/parallel.py); None: one per core

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, workers=None):
        """Choose the optimizer, the loss and the metrics (by object or Keras name).

        ``workers`` is tinynet's own (Keras has none): how many threads share each batch of
        ``fit``, ``evaluate``, ``predict`` and ``train_on_batch``, the batch split into chunks
        whose gradients are summed (``tinynet/parallel.py``). ``None`` means one per core;
        ``1`` runs every batch whole on the calling thread. Small steps always run whole.
        """
        if loss is None:
            raise ValueError(f"{self.name}: compile() needs a loss, e.g. loss='mse'.")
        parallel.resolve_workers(workers)
        self.workers = workers
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metric_names = validation.check_list(metrics, "compile: metrics",
                                                  "metrics=['accuracy']")
        for name in self.metric_names:  # unknown names fail here, not mid-fit
            utils.lookup("metric", name, metrics_module.METRICS)
        self._metric_fns = None

    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(
                f"{self.name}: call compile(optimizer=..., loss=...) before {what}()."
            )

    def _check_data(self, x, y, where, inputs_only=False):
        if not self.layers:
            raise ValueError(f"{self.name}: the model has no layers; add() some first.")
        x = validation.check_x(x, self.input_shape, self.input_dtype, where)
        if not self.built:
            self.build(x.shape[1:])
        if inputs_only:
            return x, None
        y = validation.check_xy(x, y, where)
        y = self.loss.validate(y, (len(x), *self.output_shape), dtype=self.dtype)
        if self._metric_fns is None:
            out_shape = (len(x), *self.output_shape)
            self._metric_fns = [(name, metrics_module.get(name, y.shape, out_shape))
                                for name in self.metric_names]
        return x, y

    # -- the two passes ----------------------------------------------------------------
    def _train_step(self, x, y):
        value, y_pred = self._passes(x, y, training=True)
        self.optimizer.update(self.parameters(), self.gradients())
        return value, y_pred

    def _passes(self, x, y, training):
        """``(loss, y_pred)`` of one batch (loss ``None`` without ``y``; backward in training):
        whole, or in chunks on worker threads when that pays (``tinynet/parallel.py``)."""
        workers = parallel.resolve_workers(self.workers)
        chunks = parallel.plan(self, len(x), training, workers)
        if len(chunks) > 1:
            return parallel.run(self, x, y, chunks, training, workers)
        y_pred = self._forward(x, training=training)
        if y is None:
            return None, y_pred
        if training:
            return self._loss_and_backward(y, y_pred), y_pred
        return self._loss_value(y, y_pred), y_pred

    def _logs(self, value, y, y_pred, prefix=""):
        logs = {prefix + "loss": float(value)}
        for name, fn in self._metric_fns:
            logs[prefix + name] = fn(y, y_pred)
        return logs

    @staticmethod
    def _flat(logs):
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # -- single batches -----------------------------------------------------------------
    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns the loss, or ``[loss, *metrics]``."""
        self._require_compiled("train_on_batch")
        x, y = self._check_data(x, y, "train_on_batch")
        value, y_pred = self._train_step(x, y)
        return self._flat(self._logs(value, y, y_pred))

    def test_on_batch(self, x, y):
        """The loss (and metrics) on one batch, in inference mode."""
        self._require_compiled("test_on_batch")
        x, y = self._check_data(x, y, "test_on_batch")
        value, y_pred = self._passes(x, y, training=False)
        return self._flat(self._logs(value, y, y_pred))

    def _loss_value(self, y, y_pred):
        penalty = regularizers.penalty(self.layers)  # Keras's evaluate adds it too
        if self._fused:
            return self.loss.from_logits(y, self.layers[-1].z)[0] + penalty
        return self.loss(y, y_pred) + penalty

    # -- whole datasets -----------------------------------------------------------------
    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0):
        """Train for ``epochs`` passes over ``(x, y)`` in mini-batches; returns a ``History``.

        Args:
            x: inputs, shape ``(N, *input_shape)``.
            y: targets in the form the loss expects (labels for sparse losses).
            batch_size: samples per gradient step; the last, partial batch is kept.
            epochs: number of passes over the data.
            verbose: 0 silent, 1 a progress bar per epoch, 2 one line per epoch.
            callbacks: extra ``Callback`` objects; ``TerminateOnNaN`` is always on.
            validation_split: fraction of the data, taken from the end, held out.
            validation_data: ``(x_val, y_val)`` to evaluate after each epoch.
            shuffle: draw a new permutation of the samples each epoch.
            initial_epoch: epoch at which to start (for resuming).
        """
        self._require_compiled("fit")
        batch_size, epochs, initial_epoch, verbose, validation_split, shuffle, callbacks = (
            validation.check_fit_args(batch_size, epochs, initial_epoch, verbose,
                                      validation_split, validation_data, shuffle, callbacks))
        x, y = self._check_data(x, y, "fit")
        if validation_split and validation_data is None:
            cut = int(len(x) * (1.0 - validation_split))
            if cut == 0 or cut == len(x):
                raise ValueError(f"fit: validation_split={validation_split} leaves an empty set.")
            validation_data, x, y = (x[cut:], y[cut:]), x[:cut], y[:cut]
        if validation_data is not None:
            x_val, y_val = self._check_data(*validation_data, "fit(validation_data)")

        history = callbacks_module.History()
        cbs = [history, callbacks_module.TerminateOnNaN(), *(callbacks or [])]
        n, steps = len(x), -(-len(x) // batch_size)
        for cb in cbs:
            cb.set_model(self)
            cb.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
            cb.on_train_begin()
        self.stop_training, self.stop_reason = False, None
        with parallel.one_blas_thread(self, batch_size, training=True):
            for epoch in range(initial_epoch, epochs):
                for cb in cbs:
                    cb.on_epoch_begin(epoch)
                start = time.perf_counter()
                order = utils.rng().permutation(n) if shuffle else None
                bar = (tqdm(total=steps, desc=f"Epoch {epoch + 1}/{epochs}", unit="step",
                            leave=True, dynamic_ncols=True) if verbose == 1 else None)
                totals, seen = {}, 0
                for step in range(steps):
                    batch = slice(step * batch_size, (step + 1) * batch_size)
                    idx = batch if order is None else order[batch]
                    xb, yb = x[idx], y[idx]
                    value, y_pred = self._train_step(xb, yb)
                    logs = self._logs(value, yb, y_pred)
                    seen += len(xb)
                    for key, v in logs.items():  # the epoch's figure: batch values weighted by size
                        totals[key] = totals.get(key, 0.0) + v * len(xb)
                    for cb in cbs:
                        cb.on_batch_end(step, logs)
                    if bar is not None:
                        bar.update(1)
                        if step % 20 == 0 or step == steps - 1:
                            bar.set_postfix_str(_fmt({k: t / seen for k, t in totals.items()}),
                                                refresh=False)
                    if self.stop_training:
                        break
                if bar is not None:
                    bar.close()
                epoch_logs = {key: t / seen for key, t in totals.items()}
                if validation_data is not None:
                    epoch_logs.update(self._evaluate_logs(x_val, y_val, batch_size, prefix="val_"))
                if verbose == 2 or (verbose == 1 and validation_data is not None):
                    print(f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - start:.1f}s - "
                          f"{_fmt(epoch_logs)}")
                for cb in cbs:
                    cb.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        for cb in cbs:
            cb.on_train_end()
        if self.stop_reason:
            warnings.warn(self.stop_reason, callbacks_module.TrainingStopped, stacklevel=2)
        return history

    def _evaluate_logs(self, x, y, batch_size, prefix="", verbose=0):
        totals, seen = {}, 0
        steps = -(-len(x) // batch_size)
        with parallel.one_blas_thread(self, batch_size, training=False):
            for step in tqdm(range(steps), desc="evaluate", unit="step", disable=verbose != 1):
                batch = slice(step * batch_size, (step + 1) * batch_size)
                xb, yb = x[batch], y[batch]
                value, y_pred = self._passes(xb, yb, training=False)
                for key, v in self._logs(value, yb, y_pred, prefix).items():
                    totals[key] = totals.get(key, 0.0) + v * len(xb)
                seen += len(xb)
        return {key: t / seen for key, t in totals.items()}

    def evaluate(self, x, y, batch_size=32, verbose=1):
        """Loss and metrics over ``(x, y)`` in inference mode: ``[loss, *metrics]`` or the loss."""
        self._require_compiled("evaluate")
        batch_size = validation.check_batch_size(batch_size, "evaluate")
        verbose = validation.check_verbose(verbose, "evaluate")
        x, y = self._check_data(x, y, "evaluate")
        logs = self._evaluate_logs(x, y, batch_size, verbose=verbose)
        if verbose:
            print(_fmt(logs))
        return self._flat(logs)

    def predict(self, x, batch_size=32, verbose="auto"):
        """Outputs for ``x`` in inference mode (dropout off), batch by batch."""
        batch_size = validation.check_batch_size(batch_size, "predict")
        validation.check_verbose(verbose, "predict")
        x, _ = self._check_data(x, None, "predict", inputs_only=True)
        steps = -(-len(x) // batch_size)
        show = verbose == 1 or (verbose == "auto" and steps > 1)
        with parallel.one_blas_thread(self, batch_size, training=False):
            out = [self._passes(x[i * batch_size:(i + 1) * batch_size], None, training=False)[1]
                   for i in tqdm(range(steps), desc="predict", unit="step", disable=not show)]
        return np.concatenate(out)


def _fmt(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
