"""Listing 4.2 (tf2_keras_mnist_digit.py): load MNIST and show its first training digit."""

import argparse
from pathlib import Path

# The book calls keras.datasets.mnist.load_data(); tinynet's loader returns the same uint8 arrays.
from tinynet.datasets.mnist import load_data
from tinynet.tools.listings.plots import pyplot


def run(epochs=None, seed=0, quick=False, out=None, verbose=0, initial_weights=None):
    """Print the shapes and save X_train[0] as a PNG in `out`; nothing is trained here."""
    (X_train, y_train), (X_test, y_test) = load_data()
    if verbose:
        print("X_train.shape:", X_train.shape)
        print("X_test.shape:", X_test.shape)

    # The book calls plt.show(); we save the figure instead (matplotlib: the [plot] extra).
    plt = pyplot()
    out = Path(out or "out")
    out.mkdir(parents=True, exist_ok=True)
    png = out / "mnist_digit.png"
    plt.imshow(X_train[0], cmap="gray")
    plt.savefig(png)
    plt.close()
    if verbose:
        print(f"label: {y_train[0]}  image saved to {png}")

    return {
        "listing": "mnist_digit",
        "framework": "tinynet",
        "x_train_shape": X_train.shape,
        "x_test_shape": X_test.shape,
        "label": int(y_train[0]),
        "png": str(png),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=None, help="no effect here")
    parser.add_argument("--seed", type=int, default=0, help="no effect here")
    parser.add_argument("--quick", action="store_true", help="no effect here")
    parser.add_argument("--out", default=None, help="folder for the PNG (default: ./out)")
    args = parser.parse_args()
    run(epochs=args.epochs, seed=args.seed, quick=args.quick, out=args.out, verbose=1)
