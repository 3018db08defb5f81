"""Sequential: a stack of layers with Keras's compile / fit / evaluate / predict API."""

import time
import warnings

import numpy as np
from tqdm.auto import tqdm

from tinynet import callbacks as callbacks_module
from tinynet import losses, optimizers, utils, validation
from tinynet import metrics as metrics_module
from tinynet.layers.base import Input, Layer


class Sequential:
    """A linear stack of layers, as ``keras.Sequential``.

    Args:
        layers: optional list of layers (an ``Input`` first is allowed) to ``add`` in order.
        name: the model's name; defaults to ``sequential``, ``sequential_1``, ...
    """

    def __init__(self, layers=None, name=None):
        self.name = name or utils.unique_name("sequential")
        self.layers = []
        self.input_shape = None
        self.optimizer = self.loss = None
        self.metric_names = []
        self.stop_training = False
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append a layer; the model builds as soon as the input shape is known."""
        if isinstance(layer, Input):
            if self.layers:
                raise ValueError(f"{self.name}: an Input can only come first.")
            self.input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"{self.name}: add() takes a tinynet layer, got {type(layer).__name__}.")
        if any(other.name == layer.name for other in self.layers):
            raise ValueError(
                f"{self.name}: two layers are named {layer.name!r}; names must be unique.")
        if not self.layers and layer.input_shape is not None:
            self.input_shape = layer.input_shape
        self.layers.append(layer)
        if self.input_shape is not None:
            self.build(self.input_shape)

    def build(self, input_shape):
        """Build every layer in turn, each from the output shape of the one below."""
        shape = self.input_shape = tuple(input_shape)
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            elif layer.input_shape != shape:
                raise ValueError(
                    f"{layer.name}: built for input {layer.input_shape}, but receives {shape}."
                )
            shape = layer.output_shape
        self.output_shape = shape
        self._params = {f"{layer.name}/{key}": w
                        for layer in self.layers for key, w in layer.params.items()}
        # Backprop stops at the lowest layer with weights: the gradient of the input is unused.
        weighted = [i for i, layer in enumerate(self.layers) if layer.params]
        self._lowest = weighted[0] if weighted else len(self.layers)
        for i, layer in enumerate(self.layers):
            layer.compute_dx = i != self._lowest

    @property
    def built(self):
        return bool(self.layers) and all(layer.built for layer in self.layers)

    @property
    def dtype(self):
        return self.layers[0].dtype if self.layers else np.dtype("float32")

    # -- compile ---------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, the loss and the metrics (by object or Keras name)."""
        if loss is None:
            raise ValueError(f"{self.name}: compile() needs a loss, e.g. loss='mse'.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metric_names = list(metrics or [])
        for name in self.metric_names:  # unknown names fail here, not mid-fit
            utils.lookup("metric", name, metrics_module.METRICS)
        self._metric_fns = None

    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(
                f"{self.name}: call compile(optimizer=..., loss=...) before {what}()."
            )

    @property
    def _fused(self):
        """True when the loss can start from the head's logits (softmax/sigmoid), as Keras does."""
        act = getattr(self.layers[-1], "activation", None)
        return act is not None and self.loss.fuses_with == act.name

    # -- data checks (once per call, not per batch) -------------------------------------
    def _check_data(self, x, y, where):
        if not self.layers:
            raise ValueError(f"{self.name}: the model has no layers; add() some first.")
        x = validation.check_x(x, self.input_shape, self.dtype, where)
        if not self.built:
            self.build(x.shape[1:])
        if y is None:
            return x, None
        y = validation.check_xy(x, y, where)
        y = self.loss.validate(y, (len(x), *self.output_shape), dtype=self.dtype)
        if self._metric_fns is None:
            out_shape = (len(x), *self.output_shape)
            self._metric_fns = [(name, metrics_module.get(name, y.shape, out_shape))
                                for name in self.metric_names]
        return x, y

    # -- the two passes ----------------------------------------------------------------
    def _forward(self, x, training):
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def _loss_and_backward(self, y, y_pred):
        """The loss, then the chain rule: one reversed loop over the layers."""
        layers = self.layers[self._lowest:]
        if self._fused:  # ∂L/∂z straight from the logits; the head's softmax/sigmoid is skipped
            value, dy = self.loss.from_logits(y, self.layers[-1].z)
            dy = self.layers[-1].backward_linear(dy)
            layers = layers[:-1]
        else:
            value, dy = self.loss(y, y_pred), self.loss.gradient(y, y_pred)
        for layer in reversed(layers):
            dy = layer.backward(dy)
        return value

    def _train_step(self, x, y):
        y_pred = self._forward(x, training=True)
        value = self._loss_and_backward(y, y_pred)
        self.optimizer.update(self._params, self._gradients())
        return value, y_pred

    def _gradients(self):
        """Each layer's fresh ``grads``, keyed as ``_params`` is, for ``optimizer.update``."""
        return {f"{layer.name}/{key}": g for layer in self.layers for key, g in layer.grads.items()}

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
        y_pred = self._forward(x, training=False)
        return self._flat(self._logs(self._loss_value(y, y_pred), y, y_pred))

    def _loss_value(self, y, y_pred):
        if self._fused:
            return self.loss.from_logits(y, self.layers[-1].z)[0]
        return self.loss(y, y_pred)

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
        batch_size = validation.check_batch_size(batch_size, "fit")
        x, y = self._check_data(x, y, "fit")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}.")
        if validation_split and validation_data is None:
            cut = int(len(x) * (1.0 - validation_split))
            if cut == 0 or cut == len(x):
                raise ValueError(f"fit: validation_split={validation_split} leaves an empty set.")
            validation_data, x, y = (x[cut:], y[cut:]), x[:cut], y[:cut]
        if validation_data is not None:
            x_val, y_val = self._check_data(*validation_data, "fit(validation_data)")

        history = callbacks_module.History()
        cbs = [history, callbacks_module.TerminateOnNaN(), *(callbacks or [])]
        for cb in cbs:
            cb.set_model(self)
            cb.on_train_begin()
        self.stop_training, self.stop_reason = False, None
        n, steps = len(x), -(-len(x) // batch_size)
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
            warnings.warn(self.stop_reason, RuntimeWarning, stacklevel=2)
        history.params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        return history

    def _evaluate_logs(self, x, y, batch_size, prefix="", verbose=0):
        totals, seen = {}, 0
        steps = -(-len(x) // batch_size)
        for step in tqdm(range(steps), desc="evaluate", unit="step", disable=verbose != 1):
            xb, yb = x[step * batch_size:(step + 1) * batch_size], y[step * batch_size:
                                                                    (step + 1) * batch_size]
            y_pred = self._forward(xb, training=False)
            for key, v in self._logs(self._loss_value(yb, y_pred), yb, y_pred, prefix).items():
                totals[key] = totals.get(key, 0.0) + v * len(xb)
            seen += len(xb)
        return {key: t / seen for key, t in totals.items()}

    def evaluate(self, x, y, batch_size=32, verbose=1):
        """Loss and metrics over ``(x, y)`` in inference mode: ``[loss, *metrics]`` or the loss."""
        self._require_compiled("evaluate")
        batch_size = validation.check_batch_size(batch_size, "evaluate")
        x, y = self._check_data(x, y, "evaluate")
        logs = self._evaluate_logs(x, y, batch_size, verbose=verbose)
        if verbose:
            print(_fmt(logs))
        return self._flat(logs)

    def predict(self, x, batch_size=32, verbose="auto"):
        """Outputs for ``x`` in inference mode (dropout off), batch by batch."""
        batch_size = validation.check_batch_size(batch_size, "predict")
        x, _ = self._check_data(x, None, "predict")
        steps = -(-len(x) // batch_size)
        show = verbose == 1 or (verbose == "auto" and steps > 1)
        out = [self._forward(x[i * batch_size:(i + 1) * batch_size], training=False)
               for i in tqdm(range(steps), desc="predict", unit="step", disable=not show)]
        return np.concatenate(out)

    def __call__(self, x, training=False):
        return self._forward(np.asarray(x, dtype=self.dtype), training=training)

    # -- weights and description ----------------------------------------------------------
    def get_weights(self):
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Assign weights in Keras order: each layer's ``[kernel, bias]``, layer by layer."""
        weights = list(weights)
        expected = sum(len(layer.params) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(
                f"{self.name}: set_weights expected {expected} arrays, got {len(weights)}. "
                "Pass the list from get_weights() of a model with the same layers."
            )
        for layer in self.layers:
            layer.set_weights(weights[:len(layer.params)])
            weights = weights[len(layer.params):]

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print):
        """Print Keras's table: layer (type), output shape and parameter count per row."""
        if not self.built:
            raise ValueError(
                f"{self.name}: summary() needs a built model. Give the first layer input_shape=, "
                "start with Input(shape=...), or call the model on data first."
            )
        rows = [(f"{layer.name} ({type(layer).__name__})", str((None, *layer.output_shape)),
                 f"{layer.count_params():,}") for layer in self.layers]
        widths = [max(len(h), *(len(r[i]) for r in rows)) + 2
                  for i, h in enumerate(("Layer (type)", "Output Shape", "Param #"))]
        line = "─" * (sum(widths) + 2)

        def fmt(a, b, c):
            return f" {a:<{widths[0]}}{b:<{widths[1]}}{c:>{widths[2]}}"

        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        print_fn(fmt("Layer (type)", "Output Shape", "Param #"))
        print_fn("═" * len(line))
        for row in rows:
            print_fn(fmt(*row))
        print_fn(line)
        total = self.count_params()
        print_fn(f" Total params: {total:,}")
        print_fn(f" Trainable params: {total:,}")
        print_fn(" Non-trainable params: 0")

    def save(self, filepath, include_optimizer=True):
        """Save architecture (JSON), weights and optimizer state to one ``.npz`` file."""
        from tinynet import models

        models.save_model(self, filepath, include_optimizer=include_optimizer)

    def __repr__(self):
        return (f"Sequential(name={self.name!r}, layers={len(self.layers)}, "
                f"params={self.count_params()})")


def _fmt(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
