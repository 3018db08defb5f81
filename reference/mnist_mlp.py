"""Listing 4.3 (keras_mnist.py): a 512-unit MLP with dropout classifies MNIST digits."""

import argparse
import time

import keras
from keras.layers import Dense, Dropout, Flatten
from keras.models import Sequential

# The one deviation from the book: it calls keras.datasets.mnist.load_data(). tinynet's loader
# returns identical uint8 arrays, so both frameworks see the same data and nothing needs the
# internet at run time.
from tinynet.datasets.mnist import load_data


def build_model():
    """Flatten, Dense(512, relu), Dropout(0.2), Dense(10, softmax); Adam and sparse CCE."""
    model = Sequential([
        Flatten(input_shape=(28, 28)),
        Dense(512, activation="relu"),
        Dropout(0.2),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam",
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def run(epochs=5, seed=0, quick=False, out=None, verbose=0, initial_weights=None,
        callbacks=None):
    """Train for `epochs` and evaluate; `quick` uses 2,000 training and 1,000 test images."""
    (x_train, y_train), (x_test, y_test) = load_data()
    if quick:
        x_train, y_train = x_train[:2000], y_train[:2000]
        x_test, y_test = x_test[:1000], y_test[:1000]
    x_train, x_test = x_train / 255.0, x_test / 255.0

    keras.utils.set_random_seed(seed)
    model = build_model()
    if initial_weights is not None:
        model.set_weights(initial_weights)
    initial = model.get_weights()
    if verbose:
        model.summary()

    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, verbose=verbose,
                        callbacks=callbacks)
    seconds = time.perf_counter() - start

    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=verbose)
    if verbose:
        print(f"Test accuracy: {test_accuracy:.4f}  ({seconds:.1f} s of training)")

    return {
        "listing": "mnist_mlp",
        "framework": "keras",
        "params": model.count_params(),
        "initial_weights": initial,
        "history": history.history,
        "final_loss": history.history["loss"][-1],
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "seconds": seconds,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="train on 2,000 images and test on 1,000")
    parser.add_argument("--out", default=None, help="no effect here")
    args = parser.parse_args()
    run(epochs=args.epochs, seed=args.seed, quick=args.quick, out=args.out, verbose=1)
