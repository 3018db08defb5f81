"""Which activations a recurrent layer may run at every time step (NumPy only).

GELU and swish keep their last input for backward; one activation object serves every step of
a recurrent layer, so backprop through time would differentiate at the last step's input only.
Such a layer is refused at construction, and every other activation passes a gradient check.
"""

import numpy as np
import pytest

from tinynet import layers as L
from tinynet.gradcheck import gradcheck

CACHING = ["gelu", "silu", "swish"]
FROM_OUTPUT = ["tanh", "sigmoid", "relu", "elu", "selu", "softplus", "leaky_relu",
               "hard_sigmoid"]


@pytest.mark.parametrize("name", CACHING)
@pytest.mark.parametrize("make", [
    lambda a: L.SimpleRNN(3, activation=a),
    lambda a: L.LSTM(3, activation=a),
    lambda a: L.LSTM(3, recurrent_activation=a),
    lambda a: L.GRU(3, activation=a),
    lambda a: L.GRU(3, recurrent_activation=a),
])
def test_activations_that_keep_their_input_are_refused(name, make):
    with pytest.raises(ValueError, match="not supported in a recurrent layer"):
        make(name)


@pytest.mark.parametrize("name", FROM_OUTPUT)
def test_every_other_activation_backprops_through_time(name):
    layer = L.SimpleRNN(3, activation=name, return_sequences=True, dtype="float64")
    x = np.random.default_rng(0).uniform(-1, 1, (2, 5, 2))
    layer.forward(x)
    layer.params["bias"][:] = np.random.default_rng(1).uniform(-0.5, 0.5, 3)
    result = gradcheck(layer, x)
    assert result.passed, str(result)
