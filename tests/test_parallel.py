"""Data parallelism (tinynet/parallel.py): chunked, multi-threaded steps equal whole-batch ones.

NumPy only. Chunk sizes are forced small through the module's knobs, so every test also runs a
last chunk of one sample. Float32 sums in another order differ in the last bits, so gradients
agree to about 1e-6 relative, not bit for bit. Adam then divides each gradient by its own
√v + ε: for a weight whose gradient is near ε that rounding grows to ~1e-3 of a step, so the
weights are compared to 1% of one Adam step (lr = 1e-3) after six steps.
"""

import tracemalloc

import numpy as np
import pytest

from tinynet import layers, models, parallel
from tinynet.tools.listings import mnist_cnn, mnist_mlp, xor
from tinynet.utils import set_random_seed

RTOL = 1e-5
ATOL = 1e-2 * 1e-3  # 1% of one Adam step of the listings' learning rate


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of ``size`` samples, whatever the model: the cost thresholds switched off."""
    def force(model, size):
        monkeypatch.setattr(parallel, "MIN_CHUNK_FLOPS", 0)
        monkeypatch.setattr(parallel, "FLOPS_PER_WEIGHT_BYTE", 0)
        monkeypatch.setattr(parallel, "CHUNK_BYTES", size * parallel.bytes_per_sample(model))
    return force


def data(shape, n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, *shape), dtype=np.float32), rng.integers(0, 10, n)


def random_biases(model, seed=2):
    """Non-zero biases, so that a bias handled wrong in a chunk shows."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if "bias" in layer.params:
            layer.params["bias"][...] = rng.normal(0, 0.1, layer.params["bias"].shape)


def train(build, workers, x, y, epochs=2, batch_size=7):
    set_random_seed(0)
    model = build()
    random_biases(model)
    model.workers = workers
    set_random_seed(3)  # shuffling and dropout draw from here
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model, history.history


def assert_close(a, b):
    for wa, wb in zip(a, b, strict=True):
        np.testing.assert_allclose(wb, wa, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("listing", "shape"), [(mnist_mlp, (28, 28)), (mnist_cnn, (28, 28, 1))])
def test_two_workers_train_like_one(listing, shape, tiny_chunks):
    x, y = data(shape, 21)  # 3 steps of 7 per epoch: chunks of 2, 2, 2 and 1
    whole, logs_whole = train(listing.build_model, 1, x, y)
    tiny_chunks(whole, 2)
    chunks = parallel.plan(whole, 7, True, 2)
    assert [c.stop - c.start for c in chunks] == [2, 2, 2, 1]
    split, logs_split = train(listing.build_model, 2, x, y)
    assert_close(whole.get_weights(), split.get_weights())
    np.testing.assert_allclose(logs_whole["loss"], logs_split["loss"], rtol=RTOL)
    assert logs_whole["accuracy"] == logs_split["accuracy"]


def test_chunks_on_one_thread_give_the_whole_batch_gradient(tiny_chunks):
    """One step's gradients and loss, chunked serially vs whole, before any optimizer."""
    x, y = data((28, 28, 1), 5)
    set_random_seed(0)
    model = mnist_cnn.build_model()
    random_biases(model)
    y_pred = model._forward(x, training=True)
    value = model._loss_and_backward(y, y_pred)
    whole = {key: g.copy() for key, g in model.gradients().items()}
    tiny_chunks(model, 2)
    chunks = parallel.plan(model, 5, True, 2)
    split_value, split_pred = parallel.run(model, x, y, chunks, training=True, workers=1)
    np.testing.assert_allclose(split_pred, y_pred, rtol=1e-6, atol=1e-7)
    assert split_value == pytest.approx(value, rel=1e-6)
    for key, g in model.gradients().items():
        np.testing.assert_allclose(g, whole[key], rtol=2e-5, atol=2e-5 * np.abs(whole[key]).max())


def test_dropout_masks_per_chunk_are_the_whole_batch_mask(tiny_chunks):
    """Chunk masks come from the layer's generator in chunk order: the same numbers."""
    model = models.Sequential([layers.Dense(64, input_dim=8), layers.Dropout(0.5, seed=4)])
    model.compile(optimizer="sgd", loss="mse", workers=2)
    x = np.random.default_rng(5).random((9, 8), dtype=np.float32)
    tiny_chunks(model, 2)
    _, split = parallel.run(model, x, None, parallel.plan(model, 9, True, 2), True, 2)
    model.layers[1]._rng = np.random.default_rng(4)
    whole = model._forward(x, training=True)
    np.testing.assert_array_equal(split == 0, whole == 0)  # the same units dropped
    np.testing.assert_allclose(split, whole, rtol=1e-5, atol=1e-6)  # GEMMs of 2 rows vs 9


def test_evaluate_and_predict_in_chunks(tiny_chunks):
    x, y = data((28, 28), 9)
    set_random_seed(0)
    model = mnist_mlp.build_model()
    random_biases(model)
    model.workers = 1
    loss, acc = model.evaluate(x, y, batch_size=9, verbose=0)
    out = model.predict(x, batch_size=9, verbose=0)
    tiny_chunks(model, 2)
    model.workers = 2
    assert model.evaluate(x, y, batch_size=9, verbose=0) == pytest.approx([loss, acc], rel=1e-6)
    np.testing.assert_allclose(model.predict(x, batch_size=9, verbose=0), out, rtol=1e-5)


def test_a_layer_that_mixes_the_batch_trains_whole(tiny_chunks):
    class Centre(layers.Layer):
        mixes_batch = True

        def forward(self, x, training=False):
            x = self._prepare(x)
            return x - x.mean(axis=0) if training else x

        def backward(self, dy):
            return dy - dy.mean(axis=0)

    model = models.Sequential([layers.Dense(4, input_dim=3), Centre(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", workers=2)
    tiny_chunks(model, 1)
    assert len(parallel.plan(model, 8, training=True, workers=2)) == 1
    assert len(parallel.plan(model, 8, training=False, workers=2)) == 8


def test_batchnorm_trains_whole_but_predicts_in_chunks(tiny_chunks):
    model = models.Sequential([layers.Dense(4, input_dim=3), layers.BatchNormalization(),
                               layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", workers=2)
    tiny_chunks(model, 1)
    assert len(parallel.plan(model, 8, training=True, workers=2)) == 1
    assert len(parallel.plan(model, 8, training=False, workers=2)) == 8


def test_weight_penalty_counts_once_per_step_not_per_chunk(tiny_chunks):
    def build():
        model = models.Sequential([layers.Dense(16, activation="relu", input_dim=5,
                                                kernel_regularizer="l2"),
                                   layers.Dense(3, bias_regularizer="l1")])
        model.compile(optimizer="sgd", loss="mse")
        return model

    rng = np.random.default_rng(6)
    x, y = rng.random((9, 5), dtype=np.float32), rng.random((9, 3), dtype=np.float32)
    whole, logs_whole = train(build, 1, x, y, batch_size=9)
    tiny_chunks(whole, 2)
    split, logs_split = train(build, 2, x, y, batch_size=9)
    assert_close(whole.get_weights(), split.get_weights())
    np.testing.assert_allclose(logs_whole["loss"], logs_split["loss"], rtol=RTOL)


def test_small_steps_and_one_worker_run_whole():
    model = xor.build_model()
    assert parallel.plan(model, 4, training=True, workers=2) == [slice(0, 4)]
    cnn = mnist_cnn.build_model()
    assert len(parallel.plan(cnn, 64, training=True, workers=2)) > 1
    assert parallel.plan(cnn, 64, training=True, workers=1) == [slice(0, 64)]


def test_workers_must_be_a_positive_int():
    model = xor.build_model()
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="workers must be a positive int"):
            model.compile(optimizer="sgd", loss="mse", workers=bad)


def test_peak_memory_of_a_cnn_step_stays_bounded():
    """One CNN step at batch 64: chunking keeps the traced peak (im2col, caches) small.

    The whole batch at once peaks near 45 MB (its im2col matrices alone are ~10 MB); in chunks
    of ``CHUNK_BYTES`` on 2 workers it stays near 20 MB.
    """
    x, y = data((28, 28, 1), 64)
    model = mnist_cnn.build_model()
    model.workers = 2
    model.train_on_batch(x, y)  # optimizer slots and the first caches exist from here on
    tracemalloc.start()
    try:
        model.train_on_batch(x, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 25e6


def test_blas_runs_one_thread_inside_a_chunked_fit_and_gets_its_threads_back():
    """The limit is set once for the whole loop (not per step) and undone when fit returns, so a
    whole-batch model trained later in the process keeps every BLAS thread."""
    from threadpoolctl import threadpool_info

    from tinynet import callbacks

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    class Watch(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            self.seen = blas_threads()

    before = blas_threads()
    x, y = data((28, 28, 1), 64)
    model = mnist_cnn.build_model()
    model.workers = 2
    assert len(parallel.plan(model, 32, True, 2)) > 1
    watch = Watch()
    model.fit(x, y, batch_size=32, verbose=0, callbacks=[watch])
    assert watch.seen == [1] * len(before)
    assert blas_threads() == before


def test_a_step_too_big_for_memory_is_chunked_even_on_one_worker(tiny_chunks, monkeypatch):
    """workers=1 keeps today's whole-batch path, until the step's working set passes
    WHOLE_BYTES: then its chunks run one after another, and it trains as the whole batch does."""
    x, y = data((28, 28, 1), 21)
    whole, logs_whole = train(mnist_cnn.build_model, 1, x, y)
    assert len(parallel.plan(whole, 7, True, 1)) == 1
    tiny_chunks(whole, 2)
    monkeypatch.setattr(parallel, "WHOLE_BYTES", 6 * parallel.bytes_per_sample(whole))
    assert [c.stop - c.start for c in parallel.plan(whole, 7, True, 1)] == [2, 2, 2, 1]
    assert len(parallel.plan(whole, 6, True, 1)) == 1  # at the budget: whole
    split, logs_split = train(mnist_cnn.build_model, 1, x, y)
    assert_close(whole.get_weights(), split.get_weights())
    np.testing.assert_allclose(logs_whole["loss"], logs_split["loss"], rtol=RTOL)


def test_a_loss_of_ones_own_is_evaluated_whole_but_predict_still_chunks(tiny_chunks):
    """Chunk losses are weighted n_c/n, which is right only for a per-sample mean: a custom
    loss runs whole in evaluate as in fit; predict needs no loss and may still chunk."""
    from tinynet import losses

    class Mine(losses.MeanSquaredError):
        pass

    model = mnist_mlp.build_model()
    tiny_chunks(model, 2)
    model.compile(optimizer="sgd", loss="mse", workers=2)
    assert len(parallel.plan(model, 6, False, 2)) == 3
    model.compile(optimizer="sgd", loss=Mine(), workers=2)
    assert len(parallel.plan(model, 6, False, 2)) == 1
    assert len(parallel.plan(model, 6, True, 2)) == 1
    model.loss = None  # as before compile: predict alone
    assert len(parallel.plan(model, 6, False, 2)) == 3
