"""Sequential: a stack of layers, its forward pass and the chain rule as one reversed loop."""

import numpy as np

from tinynet import regularizers, saving, utils, validation
from tinynet.layers.base import Input, Layer
from tinynet.trainer import Trainer


class Sequential(Trainer):
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
        # Shortcut 2, the bottom: backprop stops at the lowest layer with weights, and that layer
        # skips dx, because nothing below it uses ∂L/∂x.
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

    @property
    def input_dtype(self):
        """What ``x`` is cast to: the first layer's float dtype, or the integer ids an Embedding
        takes (never floats: float32 has no 16777217, and an id is not a quantity)."""
        return getattr(self.layers[0], "input_dtype", self.dtype) if self.layers else self.dtype

    # -- the two passes -------------------------------------------------------------------
    def _forward(self, x, training):
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def _loss_and_backward(self, y, y_pred):
        """The loss, then the chain rule: ``dy = layer.backward(dy)``, one reversed loop."""
        value, dy, top = self._loss_and_gradient(y, y_pred)
        for layer in reversed(self.layers[self._lowest:top]):
            dy = layer.backward(dy)
        return value + regularizers.apply(self.layers)  # weight penalties: loss and grads

    def _loss_and_gradient(self, y, y_pred):
        """The loss, ∂L/∂(input of ``layers[top]``) and ``top``, where the reversed loop starts.

        Plainly, ``dy = ∂L/∂ŷ`` enters above the last layer. Shortcut 1, fused logits: with
        softmax + cross-entropy (or sigmoid + binary cross-entropy) Keras differentiates from the
        head's logits ``z``, where ``∂L/∂z = (p − t)/N`` is exact and never divides by a tiny ``p``;
        the head's affine part then runs its ``backward_linear`` here and the loop starts below it.
        """
        head = self.layers[-1]
        if self._fused:
            value, dz = self.loss.from_logits(y, head.z)
            return value, head.backward_linear(dz), len(self.layers) - 1
        return self.loss(y, y_pred), self.loss.gradient(y, y_pred), len(self.layers)

    @property
    def _fused(self):
        """True when the loss can start from the head's logits (softmax/sigmoid), as Keras does.

        Only a head that keeps its logits ``z`` (Dense, Conv2D, Activation) qualifies; a
        recurrent layer's activation acts inside its time loop, so it never does.
        """
        head = self.layers[-1]
        act = getattr(head, "activation", None)
        return (act is not None and self.loss.fuses_with == act.name
                and getattr(head, "z", None) is not None)

    # -- what the optimizer sees ----------------------------------------------------------
    def parameters(self):
        """Every trainable weight array, keyed ``"<layer name>/<param name>"`` (``"dense/kernel"``);
        a frozen layer's (``trainable = False``) and the non-trainable ``state`` are left out."""
        return {f"{layer.name}/{key}": w
                for layer in self.layers if layer.trainable for key, w in layer.params.items()}

    def gradients(self):
        """Each layer's latest ``grads``, keyed as ``parameters()`` is, for ``optimizer.update``."""
        return {f"{layer.name}/{key}": g
                for layer in self.layers if layer.trainable for key, g in layer.grads.items()}

    def __call__(self, x, training=False):
        """The output for ``x``, with the same input checks as ``predict`` (one batch)."""
        x, _ = self._check_data(x, None, f"{self.name}(x)", inputs_only=True)
        return self._forward(x, training=training)

    # -- weights and description ----------------------------------------------------------
    def get_weights(self):
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Assign weights in Keras order: each layer's ``[kernel, bias]``, layer by layer."""
        weights = validation.check_list(weights, f"{self.name}: set_weights",
                                        "model.set_weights(other.get_weights())")
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(
                f"{self.name}: set_weights expected {expected} arrays, got {len(weights)}. "
                "Pass the list from get_weights() of a model with the same layers."
            )
        checked = []  # every array checked before any is assigned: a bad one changes none
        for layer in self.layers:
            checked += layer.check_weights(weights[:len(layer.weights)])
            weights = weights[len(layer.weights):]
        for w, new in checked:
            w[...] = new

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
        trainable = sum(w.size for w in self.parameters().values())
        print_fn(f" Total params: {total:,}")
        print_fn(f" Trainable params: {trainable:,}")
        print_fn(f" Non-trainable params: {total - trainable:,}")  # frozen layers, moving stats

    def save(self, filepath, include_optimizer=True):
        """Save architecture (JSON), weights and optimizer state to one ``.npz`` file."""
        saving.save_model(self, filepath, include_optimizer=include_optimizer)

    def __repr__(self):
        return (f"Sequential(name={self.name!r}, layers={len(self.layers)}, "
                f"params={self.count_params()})")

