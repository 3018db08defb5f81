"""tinynet's layers, named as in ``keras.layers``."""

from tinynet.layers.activation import Activation
from tinynet.layers.base import Input, Layer
from tinynet.layers.conv import Conv2D
from tinynet.layers.dense import Dense
from tinynet.layers.dropout import Dropout
from tinynet.layers.pooling import MaxPooling2D
from tinynet.layers.reshape import Flatten

__all__ = ["Activation", "Conv2D", "Dense", "Dropout", "Flatten", "Input", "Layer", "MaxPooling2D"]
