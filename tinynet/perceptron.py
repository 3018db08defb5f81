"""Rosenblatt's perceptron: one threshold unit trained by the perceptron learning rule."""

import warnings

import numpy as np

from tinynet import validation


class Perceptron:
    """A single threshold unit ``f(x) = 1 if w·x + b > 0 else 0`` (Rosenblatt, 1958).

    It learns any linearly separable labelling in finitely many mistakes (Novikoff, 1962),
    and nothing else: XOR needs a hidden layer (Minsky & Papert, 1969).

    Args:
        learning_rate: the step η of the learning rule, a positive number.
        max_epochs: passes over the data before giving up, a positive int.
    """

    def __init__(self, learning_rate=1.0, max_epochs=100):
        if isinstance(learning_rate, bool) \
                or not isinstance(learning_rate, int | float | np.integer | np.floating) \
                or not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"Perceptron: learning_rate must be a positive number, got "
                             f"{learning_rate!r}. Pass e.g. learning_rate=1.0.")
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, int | np.integer) \
                or max_epochs <= 0:
            raise ValueError(f"Perceptron: max_epochs must be a positive int, got "
                             f"{max_epochs!r}. Pass e.g. max_epochs=100.")
        self.learning_rate = float(learning_rate)
        self.max_epochs = int(max_epochs)
        self.coef_ = None  # w, shape (features,)
        self.intercept_ = None  # b

    # w ← w + η·(t − f(x))·x     b ← b + η·(t − f(x)), one sample at a time
    def fit(self, x, y):
        """Train from zero weights; return the number of mistakes in each epoch."""
        x, y = self._check_x(x), self._check_y(y)
        if len(y) != len(x):
            raise ValueError(f"Perceptron.fit: x has {len(x)} samples but y has {len(y)}. "
                             "Pass one label per row of x.")
        self.coef_ = np.zeros(x.shape[1], dtype=np.float32)
        self.intercept_ = np.float32(0.0)
        errors = []
        for _ in range(self.max_epochs):
            mistakes = 0
            for xi, t in zip(x, y, strict=True):
                update = self.learning_rate * (t - self._fire(xi @ self.coef_ + self.intercept_))
                if update != 0:
                    self.coef_ += np.float32(update) * xi
                    self.intercept_ += np.float32(update)
                    mistakes += 1
            errors.append(mistakes)
            if mistakes == 0:
                break
        self.n_epochs_ = len(errors)
        self.converged_ = errors[-1] == 0
        if not self.converged_:
            warnings.warn(
                f"Perceptron did not converge in {self.max_epochs} epochs ({errors[-1]} mistakes "
                "in the last one): the data does not look linearly separable. A single unit "
                "cannot learn it (XOR is the classic case, Minsky & Papert 1969); add a hidden "
                "layer, i.e. use a multilayer network.", UserWarning, stacklevel=2)
        return errors

    # f(x) = 1 if w·x + b > 0 else 0
    def predict(self, x):
        """0/1 ints, one per row of ``x``."""
        if self.coef_ is None:
            raise ValueError("Perceptron.predict: the perceptron is not trained. Call fit first.")
        x = self._check_x(x)
        if x.shape[1] != len(self.coef_):
            raise ValueError(f"Perceptron.predict: x has {x.shape[1]} features, but the "
                             f"perceptron was trained on {len(self.coef_)}. Pass rows like fit's.")
        return self._fire(x @ self.coef_ + self.intercept_)

    @staticmethod
    def _fire(z):
        """The Heaviside step: 1 where ``z > 0``, else 0."""
        return (z > 0).astype(np.int64)

    @staticmethod
    def _check_x(x):
        x = validation.as_array(x, "x", "Perceptron").astype(np.float32)  # "1" is refused
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"Perceptron: x must be a non-empty 2-D array (samples, features), "
                             f"got shape {x.shape}. Reshape it, e.g. x.reshape(len(x), -1).")
        if not np.isfinite(x).all():
            raise ValueError("Perceptron: x contains NaN or infinity. Clean or impute the data.")
        return x

    @staticmethod
    def _check_y(y):
        y = validation.as_array(y, "y", "Perceptron.fit")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or not np.isin(y, (0, 1)).all():
            raise ValueError(f"Perceptron.fit: y must be a 1-D array of 0/1 labels, got shape "
                             f"{y.shape} with values {np.unique(y)[:5]}. Map the classes to 0 "
                             "and 1.")
        return y.astype(np.int64)

    def __repr__(self):
        return f"Perceptron(learning_rate={self.learning_rate:g}, max_epochs={self.max_epochs})"
