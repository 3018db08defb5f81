"""tinynet's layers, named as in ``keras.layers``."""

from tinynet.layers.activation import Activation
from tinynet.layers.average_pooling import AveragePooling2D
from tinynet.layers.base import Input, Layer
from tinynet.layers.conv import Conv2D
from tinynet.layers.dense import Dense
from tinynet.layers.dropout import Dropout
from tinynet.layers.embedding import Embedding
from tinynet.layers.global_average_pooling import GlobalAveragePooling2D
from tinynet.layers.gru import GRU
from tinynet.layers.lstm import LSTM
from tinynet.layers.normalization import BatchNormalization
from tinynet.layers.pooling import MaxPooling2D
from tinynet.layers.reshape import Flatten
from tinynet.layers.simple_rnn import SimpleRNN

__all__ = ["Activation", "AveragePooling2D", "BatchNormalization", "Conv2D", "Dense", "Dropout",
           "Embedding", "Flatten", "GRU", "GlobalAveragePooling2D", "Input", "LSTM", "Layer",
           "MaxPooling2D", "SimpleRNN"]
