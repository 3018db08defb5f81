"""The Layer contract that every tinynet layer follows.

Gradient vocabulary, used in every file: ``dy`` is the gradient of the loss
arriving from the layer above (same shape as this layer's output); ``dx`` is the
gradient this layer passes down (same shape as its input); ``dW`` / ``dkernel``
and ``db`` / ``dbias`` are the gradients of its own parameters.
"""

import numpy as np

from tinynet import utils, validation


class Layer:
    """Base class: ``build`` → ``forward`` → ``backward``, with Keras-named params.

    The whole contract, everything ``Sequential``, ``explain`` and ``gradcheck`` rely on:

    - ``build(input_shape)`` creates ``params`` for one sample's shape, then calls
      ``super().build``, which sets ``input_shape``, ``output_shape`` and ``built``.
    - ``forward(x, training)`` returns the output and caches what ``backward`` needs.
    - ``backward(dy)`` fills ``grads`` and returns ``dx``, or ``None`` when ``compute_dx`` is
      False (the model sets it so on its lowest weighted layer: nothing below needs ``dx``).
    - ``params`` and ``grads`` are parallel dicts under Keras's names; ``state`` holds the
      weights forward updates itself; ``weights`` is both, in ``get_weights`` order.
    - ``trainable`` False keeps ``params`` from the optimizer; ``mixes_batch`` is below.
    - A layer ``y = f(z)`` that can end a model whose loss fuses with ``f`` (softmax, sigmoid)
      has ``activation``, keeps the logits ``z`` and defines ``backward_linear(dz)``: see
      ``ActivatedLayer``.
    - ``get_config()`` returns the constructor arguments that rebuild it.

    Args:
        name: the layer's name; defaults to Keras's scheme (``dense``, ``dense_1``, ...).
        dtype: float type of weights and outputs, ``"float32"`` (default) or ``"float64"``.
        input_shape: shape of one sample (without the batch axis), for a first layer.
        input_dim: shorthand for ``input_shape=(input_dim,)``, as the book writes it.
        trainable: ``False`` freezes the layer: the optimizer leaves its ``params`` alone, they
            count as non-trainable, and BatchNormalization normalizes with its moving statistics.
    """

    activation = None  # f of a layer y = f(z); the model fuses the loss when it is the loss's
    z = None  # the logits of the last forward, where a fused loss starts (ActivatedLayer)

    # True when a sample's output in training depends on the other samples of the batch
    # (BatchNormalization's batch statistics): fit then runs each batch whole, never in chunks
    mixes_batch = False

    def __init__(self, name=None, dtype="float32", input_shape=None, input_dim=None,
                 trainable=True):
        self.name = name or utils.unique_name(utils.snake_case(type(self).__name__))
        self.dtype = validation.check_float_dtype(dtype, self.name)
        if input_dim is not None:
            input_shape = (validation.check_positive_int(input_dim, f"{self.name}: input_dim",
                                                         "input_dim=784"),)
        self.input_shape = (None if input_shape is None
                            else validation.check_shape(input_shape, f"{self.name}: input_shape"))
        self.params = {}  # name → array, Keras names: "kernel", "bias"
        self.grads = {}  # same keys as params, filled by backward
        self.state = {}  # non-trainable weights that forward updates itself (BN's moving stats)
        self.trainable = bool(trainable)
        self.regularizers = {}  # param key → regularizer, whose penalty joins the loss
        self.built = False
        self.output_shape = None
        # False on a model's lowest weighted layer: nothing below it needs ∂L/∂x, so skip it
        self.compute_dx = True

    # -- building ---------------------------------------------------------------
    def build(self, input_shape):
        """Create weights for a per-sample ``input_shape``; called once, lazily."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """Per-sample output shape for a per-sample input shape (identity by default)."""
        return tuple(input_shape)

    def __call__(self, x, training=False):
        return self.forward(x, training=training)

    def _prepare(self, x):
        """Cast ``x`` to this layer's dtype, build on first use, and check its shape."""
        x = np.asarray(x, dtype=self.dtype)
        if not self.built:
            self.build(x.shape[1:])
        elif x.shape[1:] != self.input_shape:
            raise ValueError(
                f"{self.name}: expected input of shape (batch, "
                f"{', '.join(map(str, self.input_shape))}), got {x.shape}. "
                "Reshape the input or rebuild the model for the new shape."
            )
        return x

    # -- the two passes ---------------------------------------------------------
    def forward(self, x, training=False):
        """Compute the output; cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, dy):
        """Given ``dy`` = ∂L/∂output, fill ``self.grads`` and return ``dx`` = ∂L/∂input."""
        raise NotImplementedError

    def backward_linear(self, dz):
        """Given ``dz`` = ∂L/∂z at the logits, the part of backward below the activation.

        The model calls it on its top layer when the loss starts from the logits.
        """
        raise NotImplementedError(
            f"{self.name}: {type(self).__name__} keeps no logits z, so a loss cannot start "
            "from them. End the model with a Dense, Conv2D or Activation layer instead."
        )

    # -- weights in Keras's order and shapes ---------------------------------------
    @property
    def weights(self):
        """Every weight, in Keras's ``get_weights`` order: ``params``, then ``state``."""
        return {**self.params, **self.state}

    def get_weights(self):
        return [w.copy() for w in self.weights.values()]

    def set_weights(self, weights):
        for w, new in self.check_weights(weights):  # all checked first: a bad one changes none
            w[...] = new  # in place, so optimizers and caches keep their references

    def check_weights(self, weights):
        """``[(current, new), ...]`` once every new array is real, finite and of the right shape."""
        weights, mine = list(weights), self.weights
        if len(weights) != len(mine):
            raise ValueError(
                f"{self.name}: set_weights expected {len(mine)} arrays "
                f"({', '.join(mine) or 'none'}), got {len(weights)}."
            )
        return [(w, validation.check_weight(new, key, w, self.name))
                for (key, w), new in zip(mine.items(), weights, strict=True)]

    def count_params(self):
        return int(sum(w.size for w in self.weights.values()))

    def get_config(self):
        """Constructor arguments that rebuild this layer (used by save/load and interop)."""
        config = {"name": self.name, "dtype": self.dtype.name}
        if not self.trainable:
            config["trainable"] = False
        if self.input_shape is not None and not self.built:
            config["input_shape"] = list(self.input_shape)
        return config

    def __repr__(self):
        shape = "?" if self.output_shape is None else (None, *self.output_shape)
        return (f"{type(self).__name__}(name={self.name!r}, output={shape}, "
                f"params={self.count_params()})")


class ActivatedLayer(Layer):
    """A layer shaped ``y = f(z)`` with ``z`` affine in ``x`` (Dense, Conv2D): the one home of
    the chain rule through ``f``.

    A subclass sets ``self.activation`` in ``__init__``, ends ``forward`` with
    ``return self.activate(z)``, and defines ``backward_linear(dz)`` for its affine part.
    """

    # y = f(z), keeping z: the logits a fused loss starts from
    def activate(self, z):
        self.z, self.y = z, self.activation.forward(z)
        return self.y

    # dz = f'(z) ⊙ dy, then the affine part below
    def backward(self, dy):
        return self.backward_linear(self.activation.backward(dy, self.y))


class Input:
    """Declares the per-sample input shape of a ``Sequential`` model, as ``keras.Input``.

    Args:
        shape: shape of one sample, without the batch axis, e.g. ``(28, 28, 1)``.
    """

    def __init__(self, shape, name=None):
        self.shape = validation.check_shape(shape, "Input: shape")
        self.name = name or "input_layer"

    def __repr__(self):
        return f"Input(shape={self.shape})"
