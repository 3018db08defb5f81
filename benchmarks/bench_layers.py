"""Time forward + backward of tinynet's Conv2D and MaxPooling2D against Keras at the CNN's shapes.

The shapes are those of the book's MNIST CNN (listing 4.4) at batch 32. Keras runs the forward
pass and ``tf.GradientTape`` (gradients of the input, kernel and bias for a fixed upstream
``dy``) inside one ``tf.function``, traced once before timing. Both frameworks use the same
weights and inputs, and the rounds alternate between them so that load from other processes
hits both alike. Each figure is the median over the rounds.

    uv run python benchmarks/bench_layers.py --repeats 50

On a machine busy with other work, OpenBLAS's worker threads can stall a matrix product for
a whole scheduler slice (several ms); ``OPENBLAS_NUM_THREADS=1`` gives steadier figures there.
"""

import argparse
import os
import time

import numpy as np

from tinynet.layers.conv import Conv2D
from tinynet.layers.pooling import MaxPooling2D

# (label, tinynet layer factory, per-sample input shape): the CNN's layers in order
CASES = [
    ("Conv2D(32, 3x3, relu)", lambda: Conv2D(32, (3, 3), activation="relu"), (28, 28, 1)),
    ("MaxPooling2D(2x2)", lambda: MaxPooling2D((2, 2)), (26, 26, 32)),
    ("Conv2D(64, 3x3, relu)", lambda: Conv2D(64, (3, 3), activation="relu"), (13, 13, 32)),
    ("MaxPooling2D(2x2)", lambda: MaxPooling2D((2, 2)), (11, 11, 64)),
    ("Conv2D(64, 3x3, relu)", lambda: Conv2D(64, (3, 3), activation="relu"), (5, 5, 64)),
]


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def keras_twin(layer, x, dy):
    """A Keras layer with ``layer``'s config and weights, and jitted forward / forward+backward."""
    import keras
    import tensorflow as tf

    config = {k: v for k, v in layer.get_config().items() if k not in ("name", "dtype")}
    twin = getattr(keras.layers, type(layer).__name__)(**config)
    x, dy = tf.constant(x), tf.constant(dy)
    twin(x)
    twin.set_weights(layer.get_weights())

    @tf.function
    def forward(x):
        return twin(x)

    @tf.function
    def forward_backward(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = twin(x, training=True)
        return tape.gradient(y, [x, *twin.trainable_weights], output_gradients=dy)

    def run_forward():
        return forward(x).numpy()

    def run_both():
        return [g.numpy() for g in forward_backward(x, dy)]

    return run_forward, run_both


def bench(label, make_layer, shape, batch, repeats, rng):
    layer = make_layer()
    x = rng.random((batch, *shape), dtype=np.float32)
    y = layer.forward(x, training=True)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    keras_forward, keras_both = keras_twin(layer, x, dy)
    # the same numbers first: the input gradient of both frameworks
    np.testing.assert_allclose(layer.backward(dy), keras_both()[0], rtol=1e-4, atol=1e-4)

    def tiny_forward():
        layer.forward(x, training=True)

    def tiny_both():
        layer.forward(x, training=True)
        layer.backward(dy)

    runs = {"tf": [tiny_forward, keras_forward], "tb": [tiny_both, keras_both]}
    times = {key: ([], []) for key in runs}
    for f in (tiny_forward, tiny_both, keras_forward, keras_both):  # warm up
        f()
    for _ in range(repeats):
        for key, (tiny, keras_run) in runs.items():
            times[key][0].append(timed(tiny))
            times[key][1].append(timed(keras_run))
    (tf_t, tf_k), (tb_t, tb_k) = ([np.median(t) * 1e3 for t in times[key]] for key in runs)
    return (f"| {label} | {(batch, *shape)} | {tf_t:.2f} | {tf_k:.2f} | {tf_t / tf_k:.2f} "
            f"| {tb_t:.2f} | {tb_k:.2f} | {tb_t / tb_k:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=50, help="timed rounds per layer")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    rng = np.random.default_rng(args.seed)

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"batch {args.batch}, median of {args.repeats} rounds, times in ms; "
          "Keras: forward and GradientTape in one tf.function; "
          f"OPENBLAS_NUM_THREADS={threads}; load average {os.getloadavg()[0]:.2f}\n")
    print("| layer | input | tinynet fwd | Keras fwd | ratio | tinynet fwd+bwd "
          "| Keras fwd+bwd | ratio |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, make_layer, shape in CASES:
        print(bench(label, make_layer, shape, args.batch, args.repeats, rng), flush=True)


if __name__ == "__main__":
    main()
