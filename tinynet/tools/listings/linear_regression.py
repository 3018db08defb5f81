"""Chapter 3: fit y = m·x + b by gradient descent with hand-written gradients, in plain NumPy."""

import argparse
import time

import numpy as np

TRUE_M, TRUE_B = 3.0, 2.0  # the line the synthetic data is drawn from
LEARNING_RATE = 0.05       # the book keeps it between 0.001 and 0.05


def make_data(seed=0, n=1000):
    """Points on y = 3x + 2 plus a little noise, split 80/20 into train and test."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=n).astype("float32")
    y = (TRUE_M * x + TRUE_B + rng.normal(0.0, 0.1, size=n)).astype("float32")
    split = int(0.8 * n)
    return (x[:split], y[:split]), (x[split:], y[split:])


def run(epochs=100, seed=0, quick=False, out=None, verbose=0, initial_weights=None):
    """Take `epochs` gradient-descent steps on m and b; `quick` and `out` are not used here."""
    (x_train, y_train), (x_test, y_test) = make_data(seed)

    m = np.float32(0.0)
    b = np.float32(0.0)
    if initial_weights is not None:
        m = np.float32(initial_weights[0])
        b = np.float32(initial_weights[1])
    initial = [np.array(m), np.array(b)]

    def predict(x):
        return m * x + b

    def squared_error(y_pred, y_actual):
        return np.mean(np.square(y_pred - y_actual))

    losses = []
    start = time.perf_counter()
    for _ in range(epochs):
        # L = mean((m·x + b − y)²); the chain rule, done by GradientTape in the book, gives
        #   dm = ∂L/∂m = 2·mean((m·x + b − y)·x)      db = ∂L/∂b = 2·mean(m·x + b − y)
        loss = squared_error(predict(x_train), y_train)
        error = predict(x_train) - y_train
        dm, db = 2 * np.mean(error * x_train), 2 * np.mean(error)
        m -= np.float32(LEARNING_RATE) * dm
        b -= np.float32(LEARNING_RATE) * db
        losses.append(float(loss))
        if verbose:
            print("Loss:", float(loss))
    seconds = time.perf_counter() - start

    test_loss = float(squared_error(predict(x_test), y_test))
    if verbose:
        print(f"m = {float(m):.4f}  b = {float(b):.4f}  (true: {TRUE_M}, {TRUE_B})")
        print("Test loss:", test_loss)
    return {
        "listing": "linear_regression",
        "framework": "tinynet",
        "params": 2,
        "initial_weights": initial,
        "history": {"loss": losses},
        "m": float(m),
        "b": float(b),
        "losses": losses,
        "final_loss": losses[-1] if losses else None,
        "test_loss": test_loss,
        "seconds": seconds,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=100, help="gradient-descent steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="no effect here")
    parser.add_argument("--out", default=None, help="no effect here")
    args = parser.parse_args()
    run(epochs=args.epochs, seed=args.seed, quick=args.quick, out=args.out, verbose=1)
