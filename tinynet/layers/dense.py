"""Dense: the fully connected layer ``y = f(x·W + b)``."""

from tinynet import activations, initializers, regularizers, validation
from tinynet.layers.base import ActivatedLayer


class Dense(ActivatedLayer):
    """A fully connected layer, as ``keras.layers.Dense``.

    Textbook twin, the same sums written out index by index: ``tinynet/textbook/dense.py``.

    Args:
        units: number of output units, a positive int.
        activation: name of the activation applied to ``x·W + b`` (``None`` is linear).
        use_bias: whether to add the bias ``b``.
        kernel_initializer: initializer name for ``W`` (shape ``(in, units)``).
        bias_initializer: initializer name for ``b`` (shape ``(units,)``).
        kernel_regularizer: penalty on the kernel added to the loss (``'l2'``, ``L2(1e-4)``...).
        bias_regularizer: penalty on the bias, likewise.
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``input_dim``.
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int(units, f"{self.name}: units", "Dense(64)")
        self.activation = activations.get(activation)
        self.use_bias = validation.check_bool(use_bias, f"{self.name}: use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        regularizers.attach(self, kernel=kernel_regularizer, bias=bias_regularizer)

    def build(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(f"{self.name}: expected input of rank >= 2, got a 1-D batch.")
        fan_in = input_shape[-1]
        self.params["kernel"] = initializers.initialize(
            self.kernel_initializer, (fan_in, self.units), self.dtype)
        if self.use_bias:
            self.params["bias"] = initializers.initialize(
                self.bias_initializer, (self.units,), self.dtype)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    # z = x·W + b      y = f(z)
    def forward(self, x, training=False):
        self.x = self._prepare(x)
        z = self.x @ self.params["kernel"]
        if self.use_bias:
            z += self.params["bias"]
        return self.activate(z)  # y = f(z), keeping z for a fused loss

    # dW = xᵀ·dz     db = Σ_batch dz     dx = dz·Wᵀ
    def backward_linear(self, dz):
        x2 = self.x.reshape(-1, self.x.shape[-1])
        dz2 = dz.reshape(-1, self.units)
        self.grads["kernel"] = x2.T @ dz2
        if self.use_bias:
            self.grads["bias"] = dz2.sum(axis=0)
        return dz @ self.params["kernel"].T if self.compute_dx else None

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": self.activation.name, "use_bias": self.use_bias,
                **regularizers.get_config(self, "kernel", "bias")}
