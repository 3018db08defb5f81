"""Beyond the book: an LSTM reads each MNIST image as 28 time steps of 28 pixels (its rows)."""

import argparse
import time
from pathlib import Path

import numpy as np

# The MNIST arrays come from tinynet's loader, as in the reference script: the same uint8 arrays.
import tinynet
from tinynet import layers, models
from tinynet.datasets.mnist import load_data
from tinynet.tools.listings.plots import pyplot


def build_model():
    """LSTM(128) over 28 rows of 28 pixels, its last state into Dense(10, softmax)."""
    model = models.Sequential()
    model.add(layers.LSTM(128, input_shape=(28, 28)))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam",
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def run(epochs=1, seed=0, quick=False, out=None, verbose=0, initial_weights=None,
        callbacks=None):
    """Train (batch 32), evaluate, then predict test image 300 and save it as a PNG in `out`."""
    (train_images, train_labels), (test_images, test_labels) = load_data()
    if quick:
        train_images, train_labels = train_images[:2000], train_labels[:2000]
        test_images, test_labels = test_images[:1000], test_labels[:1000]
    train_images = train_images.reshape((-1, 28, 28)) / 255.0  # (N, time steps, features)
    test_images = test_images.reshape((-1, 28, 28)) / 255.0

    tinynet.utils.set_random_seed(seed)
    model = build_model()
    if initial_weights is not None:
        model.set_weights(initial_weights)
    initial = model.get_weights()
    if verbose:
        model.summary()

    start = time.perf_counter()
    history = model.fit(train_images, train_labels, epochs=epochs, batch_size=32,
                        verbose=verbose, callbacks=callbacks)
    seconds = time.perf_counter() - start

    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=verbose)
    if verbose:
        print(test_acc)

    image = test_images[300]
    prediction = model.predict(image.reshape(1, 28, 28), verbose=verbose)
    if verbose:
        print(prediction)
        print(np.argmax(prediction))

    plt = pyplot()  # matplotlib: the [plot] extra
    out = Path(out or "out")
    out.mkdir(parents=True, exist_ok=True)
    png = out / "mnist_lstm_test_300.png"
    plt.imshow(image, cmap="gray")
    plt.savefig(png)
    plt.close()

    return {
        "listing": "mnist_lstm",
        "framework": "tinynet",
        "params": model.count_params(),
        "initial_weights": initial,
        "history": history.history,
        "final_loss": history.history["loss"][-1],
        "test_loss": test_loss,
        "test_accuracy": test_acc,
        "predictions": [float(p) for p in prediction[0]],
        "predicted_digit": int(np.argmax(prediction)),
        "label": int(test_labels[300]),
        "png": str(png),
        "seconds": seconds,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="train on 2,000 images and test on 1,000")
    parser.add_argument("--out", default=None, help="folder for the PNG (default: ./out)")
    args = parser.parse_args()
    run(epochs=args.epochs, seed=args.seed, quick=args.quick, out=args.out, verbose=1)
