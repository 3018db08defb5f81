"""The chapter's logic-gate variants: Listing 4.1's XOR network trained on OR, AND, NOR and XNOR."""

import argparse
import time

import keras
import numpy as np
from keras.layers import Dense
from keras.models import Sequential

# Book errata. The chapter lists four targets for the XOR script, but two of its labels are
# wrong: the table it calls "NOR", [1,0,0,1], is XNOR (the true NOR is [1,0,0,0]), and "ANDR"
# is plain AND. Its prose also defines XOR as "outputs 1 if at most one input is 1", which is
# NAND; the XOR truth table it prints, [0,1,1,0], is right. The tables below are the true ones.
OR = [0, 1, 1, 1]
AND = [0, 0, 0, 1]
NOR = [1, 0, 0, 0]
XNOR = [1, 0, 0, 1]
GATES = {"OR": OR, "AND": AND, "NOR": NOR, "XNOR": XNOR}

x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def build_model():
    """The XOR script's network: two ReLU units, one linear output, MSE and Adam."""
    model = Sequential()
    model.add(Dense(2, input_dim=2, activation="relu"))
    model.add(Dense(1))
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def run(epochs=1000, seed=0, quick=False, out=None, verbose=0, initial_weights=None,
        callbacks=None):
    """Train a fresh network per gate, all from the same starting weights; `quick`, `out` unused."""
    history, predictions, seconds = {}, {}, 0.0
    for name, table in GATES.items():
        y = np.array(table, dtype="float64").reshape(-1, 1)
        keras.utils.set_random_seed(seed)
        model = build_model()
        if initial_weights is not None:
            model.set_weights(initial_weights)
        initial = model.get_weights()

        start = time.perf_counter()
        history[name] = model.fit(x, y, verbose=0, epochs=epochs, callbacks=callbacks).history
        seconds += time.perf_counter() - start

        if verbose:
            print(f"Testing {name} operator")
        predictions[name] = []
        for point in x:
            p = np.array([point])
            pred = model.predict(p, verbose=0)
            predictions[name].append(float(pred[0, 0]))
            if verbose:
                print(p, ":", pred)

    return {
        "listing": "logic_gates",
        "framework": "keras",
        "params": model.count_params(),
        "initial_weights": initial,
        "history": history,
        "final_loss": {name: h["loss"][-1] for name, h in history.items()},
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
