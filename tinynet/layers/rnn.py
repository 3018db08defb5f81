"""RNN: what SimpleRNN, LSTM and GRU share (arguments, weights, time order, output choice).

Every recurrent layer reads a batch of sequences ``x`` of shape ``(N, T, D)`` one step at a
time, carrying a state ``h`` of shape ``(N, units)`` (LSTM carries ``c`` too) from ``t − 1`` to
``t``; the state starts at zero. Its weights are Keras's, in Keras's order and shapes:
``kernel (D, g·units)`` multiplies ``x_t``, ``recurrent_kernel (units, g·units)`` multiplies
``h_{t−1}``, and ``bias`` is added, where ``g`` is the number of gate blocks (1, 4 or 3).

Backward is backprop through time (BPTT): one loop over ``t`` in reverse in each layer's
``backward``, carrying ``dh`` (and LSTM's ``dc``) from step ``t`` back to step ``t − 1``.
"""

import numpy as np

from tinynet import activations, initializers, regularizers, validation
from tinynet.layers.base import Layer

# Keras options that change the computation and that tinynet does not implement
UNSUPPORTED = {"dropout": 0.0, "recurrent_dropout": 0.0, "stateful": False,
               "return_state": False, "unroll": False}


def step_activation(layer, option, name):
    """An activation run at every time step: its backward must work from ``y`` alone.

    GELU and swish keep their last ``z`` for backward, and one activation object serves every
    step, so backprop through time would see only the last step's ``z``: refused, not wrong.
    """
    activation = activations.get(name)
    if getattr(activation, "keeps_input", False):
        raise ValueError(
            f"{layer.name}: {option}={activation.name!r} is not supported in a recurrent layer: "
            "its derivative needs each step's input, which the layer does not keep. Use tanh, "
            "sigmoid, relu, elu, selu, softplus, leaky_relu or hard_sigmoid.")
    return activation


def refuse_unsupported(layer, options):
    """Raise, naming the option, when a Keras option tinynet lacks is set to a non-default."""
    for key, value in options.items():
        if key not in UNSUPPORTED:
            raise TypeError(f"{layer.name}: unexpected argument {key!r}.")
        if value != UNSUPPORTED[key]:
            raise ValueError(
                f"{layer.name}: {key}={value!r} is not implemented in tinynet. Remove it "
                f"(leave {key}={UNSUPPORTED[key]!r}); for dropout between layers, add a "
                "Dropout layer instead."
            )


class RNN(Layer):
    """Base class of the recurrent layers; a subclass sets ``gates`` and writes the step.

    Args:
        units: size of the state ``h`` and of each output step, a positive int.
        activation: the state's activation (``tanh`` by default, as Keras).
        use_bias: whether to add ``bias``.
        kernel_initializer: initializer for ``kernel`` (``glorot_uniform``).
        recurrent_initializer: initializer for ``recurrent_kernel`` (``orthogonal``).
        bias_initializer: initializer for ``bias`` (``zeros``).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties on ``kernel``,
            ``recurrent_kernel`` and ``bias`` added to the loss (``'l2'``, ``L2(1e-4)``...).
        return_sequences: return every step's ``h``, shape ``(N, T, units)``, instead of the
            last one, shape ``(N, units)``.
        go_backwards: read the sequence from ``t = T−1`` down to 0; with ``return_sequences``
            the outputs come in that (reversed) reading order, as in Keras.
        **kwargs: ``name``, ``dtype``, ``input_shape``; and Keras's ``dropout``,
            ``recurrent_dropout``, ``stateful``, ``return_state``, ``unroll``, accepted only at
            their defaults.
    """

    gates = 1  # gate blocks side by side in kernel's columns: SimpleRNN 1, LSTM 4 (i f c o), GRU 3

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, return_sequences=False, go_backwards=False, **kwargs):
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in UNSUPPORTED}
        super().__init__(**kwargs)
        refuse_unsupported(self, options)
        self.units = validation.check_positive_int(units, f"{self.name}: units", "LSTM(128)")
        self.activation = step_activation(self, "activation", activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences = bool(return_sequences)
        self.go_backwards = bool(go_backwards)
        regularizers.attach(self, kernel=kernel_regularizer, recurrent_kernel=recurrent_regularizer,
                            bias=bias_regularizer)

    def bias_shape(self):
        return (self.gates * self.units,)

    def initial_bias(self):
        return initializers.initialize(self.bias_initializer, self.bias_shape(), self.dtype)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"{self.name}: expected samples of shape (timesteps, features), got "
                f"{tuple(input_shape)}. Feed a 3-D batch (N, T, D), e.g. x.reshape(-1, 28, 28)."
            )
        width = self.gates * self.units
        self.params["kernel"] = initializers.initialize(
            self.kernel_initializer, (input_shape[-1], width), self.dtype)
        self.params["recurrent_kernel"] = initializers.initialize(
            self.recurrent_initializer, (self.units, width), self.dtype)
        if self.use_bias:
            self.params["bias"] = self.initial_bias()
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], self.units)
        return (self.units,)

    # -- helpers shared by forward and backward ------------------------------------------
    def _sequence(self, x):
        """``x`` cast and checked, in reading order (reversed in time when go_backwards)."""
        if np.ndim(x) != 3:
            raise ValueError(
                f"{self.name}: expected a 3-D input (batch, timesteps, features), got shape "
                f"{np.shape(x)}. Add the missing axis, e.g. x.reshape(len(x), T, D)."
            )
        x = self._prepare(x)
        return x[:, ::-1] if self.go_backwards else x

    def _input_projection(self, xs, bias):
        """``x_t·W + b`` for every t at once: (N, T, D)·(D, g·u) → (N, T, g·u).

        Only ``h_{t−1}·U`` depends on the previous step, so the input part is one big matrix
        product before the time loop instead of T small ones inside it.
        """
        zx = xs @ self.params["kernel"]
        if bias is not None:
            zx += bias
        return zx

    def _blocks(self, a):
        """The gate blocks of ``a``'s last axis as views: ``[a[..., :u], a[..., u:2u], ...]``."""
        u = self.units
        return [a[..., k * u:(k + 1) * u] for k in range(self.gates)]

    def _output(self, hs):
        """Every step's state ``(N, T, u)`` or only the last one ``(N, u)``."""
        return hs if self.return_sequences else hs[:, -1].copy()

    def _dy_per_step(self, dy):
        """``dy`` as ``(N, T, u)``: without return_sequences only the last step gets a gradient."""
        n, t = self.xs.shape[:2]
        dy = np.asarray(dy, dtype=self.dtype)
        if self.return_sequences:
            return dy
        dhs = np.zeros((n, t, self.units), dtype=self.dtype)
        dhs[:, -1] = dy
        return dhs

    def _input_gradient(self, dzx):
        """dx = dzx·Wᵀ for every step at once, back in the input's time order."""
        if not self.compute_dx:
            return None
        dxs = dzx @ self.params["kernel"].T
        return dxs[:, ::-1] if self.go_backwards else dxs

    def get_config(self):
        config = {**super().get_config(), "units": self.units,
                  "activation": self.activation.name, "use_bias": self.use_bias,
                  "return_sequences": self.return_sequences, "go_backwards": self.go_backwards,
                  **regularizers.get_config(self, "kernel", "bias")}
        if "recurrent_kernel" in self.regularizers:  # Keras names it recurrent_regularizer
            config["recurrent_regularizer"] = regularizers.serialize(
                self.regularizers["recurrent_kernel"])
        return config
