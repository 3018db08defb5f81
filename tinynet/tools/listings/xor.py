"""Listing 4.1 (tf2_keras_xor.py): a two-unit ReLU network learns XOR with tinynet."""

import argparse
import time

import numpy as np

import tinynet
from tinynet.layers import Dense
from tinynet.models import Sequential

x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([[0.0], [1.0], [1.0], [0.0]])


def build_model():
    """Two ReLU units, then one linear output, trained on mean squared error with Adam."""
    model = Sequential()
    model.add(Dense(2, input_dim=2, activation="relu"))
    model.add(Dense(1))
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def run(epochs=1000, seed=0, quick=False, out=None, verbose=0, initial_weights=None,
        callbacks=None):
    """Train on the four XOR points, then predict them one at a time; `quick`, `out` unused."""
    tinynet.utils.set_random_seed(seed)
    if verbose:
        print("compiling model...")
    model = build_model()
    if initial_weights is not None:
        model.set_weights(initial_weights)
    initial = model.get_weights()

    if verbose:
        print("fitting model...")
    start = time.perf_counter()
    history = model.fit(x, y, verbose=0, epochs=epochs, callbacks=callbacks)
    seconds = time.perf_counter() - start

    if verbose:
        print("Testing XOR operator")
    predictions = []
    for point in x:
        p = np.array([point])
        pred = model.predict(p, verbose=0)
        predictions.append(float(pred[0, 0]))
        if verbose:
            print(p, ":", pred)

    return {
        "listing": "xor",
        "framework": "tinynet",
        "params": model.count_params(),
        "initial_weights": initial,
        "history": history.history,
        "final_loss": history.history["loss"][-1],
        "predictions": predictions,
        "seconds": seconds,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="no effect here")
    parser.add_argument("--out", default=None, help="no effect here")
    args = parser.parse_args()
    run(epochs=args.epochs, seed=args.seed, quick=args.quick, out=args.out, verbose=1)
