"""Activation: a layer that only applies ``y = f(z)``."""

from tinynet import activations
from tinynet.layers.base import Layer


class Activation(Layer):
    """Applies an activation function, as ``keras.layers.Activation``.

    Args:
        activation: name of the activation (``"relu"``, ``"softmax"``, ...; ``None`` is linear).
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``input_dim``.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    # y = f(z)   (z is kept: it is the logits a fused softmax/sigmoid loss reads)
    def forward(self, x, training=False):
        self.z = self._prepare(x)
        self.y = self.activation.forward(self.z)
        return self.y

    # dz = f'(z) ⊙ dy
    def backward(self, dy):
        return self.activation.backward(dy, self.y)

    # dz passes through: the fused loss already gave ∂L/∂z for the logits
    def backward_linear(self, dz):
        return dz

    def get_config(self):
        return {**super().get_config(), "activation": self.activation.name}
