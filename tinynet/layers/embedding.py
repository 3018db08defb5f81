"""Embedding: integer token ids looked up as rows of a trainable matrix, ``y = E[x]``."""

import numpy as np

from tinynet import initializers, regularizers, validation
from tinynet.layers.base import Layer


class Embedding(Layer):
    """A lookup table of ``input_dim`` vectors of length ``output_dim``, as Keras's Embedding.

    Input: integer ids of any shape, typically ``(N, T)``, each in ``[0, input_dim)``.
    Output: ``(N, T, output_dim)``. The weight is ``embeddings (input_dim, output_dim)``.
    The ids are indices, not numbers: they are never cast to float and have no gradient.

    Args:
        input_dim: size of the vocabulary, a positive int.
        output_dim: length of each vector, a positive int.
        embeddings_initializer: initializer for the table; ``random_uniform`` (U(−0.05, 0.05),
            which Keras calls ``"uniform"``) by default.
        mask_zero: Keras's padding mask; not implemented, so only ``False`` is accepted.
        **kwargs: ``name``, ``dtype`` (of the vectors), ``input_shape``.
    """

    input_dtype = np.dtype("int64")  # what Sequential feeds this layer when it comes first

    def __init__(self, input_dim, output_dim, embeddings_initializer="random_uniform",
                 embeddings_regularizer=None, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        if mask_zero:
            raise ValueError(f"{self.name}: mask_zero=True is not implemented in tinynet; "
                             "leave mask_zero=False (padding id 0 is then an ordinary token).")
        self.input_dim = validation.check_positive_int(input_dim, f"{self.name}: input_dim",
                                                       "Embedding(10000, 64)")
        self.output_dim = validation.check_positive_int(output_dim, f"{self.name}: output_dim",
                                                        "Embedding(10000, 64)")
        self.embeddings_initializer = initializers.get(
            "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer)
        regularizers.attach(self, embeddings=embeddings_regularizer)

    def build(self, input_shape):
        self.params["embeddings"] = initializers.initialize(
            self.embeddings_initializer, (self.input_dim, self.output_dim), self.dtype)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def _ids(self, x):
        """``x`` as an int64 array of ids, checked to lie in ``[0, input_dim)``."""
        x = np.asarray(x)
        if x.dtype.kind == "f" and np.all(np.isfinite(x)) and np.all(x == np.round(x)):
            x = x.astype(np.int64)  # whole-number floats are ids written as floats
        if x.dtype.kind not in "iu":
            raise TypeError(f"{self.name}: expected integer token ids, got dtype {x.dtype}. "
                            "Pass x.astype('int64').")
        if x.size and (x.min() < 0 or x.max() >= self.input_dim):
            bad = x.min() if x.min() < 0 else x.max()
            raise ValueError(f"{self.name}: token id {bad} is outside [0, {self.input_dim}). "
                             "Raise input_dim to the vocabulary size, or remap the ids.")
        if not self.built:
            self.build(x.shape[1:])
        elif x.shape[1:] != self.input_shape:
            raise ValueError(f"{self.name}: expected ids of shape (batch, "
                             f"{', '.join(map(str, self.input_shape))}), got {x.shape}.")
        return x.astype(np.int64, copy=False)

    # y[n, t] = E[x[n, t]]
    def forward(self, x, training=False):
        self.x = self._ids(x)
        return self.params["embeddings"][self.x]

    # dE[k] = Σ_{(n,t): x[n,t] = k} dy[n, t]; no dx, since ids are not differentiable
    def backward(self, dy):
        dE = np.zeros_like(self.params["embeddings"])
        # np.add.at, not dE[x] += dy: with fancy indexing a repeated id would keep only its
        # last row's gradient; add.at adds every occurrence (a scatter-add)
        np.add.at(dE, self.x, np.asarray(dy, dtype=self.dtype))
        self.grads["embeddings"] = dE
        return None

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim, **regularizers.get_config(self, "embeddings")}
