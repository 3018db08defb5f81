"""The training loop's data order: shuffle off keeps it, shuffle on draws a fresh permutation
each epoch, y moves with x, the last partial batch is kept, and the epoch's loss is the mean of
the batch losses weighted by batch size (NumPy only)."""

import numpy as np
import pytest

import tinynet
from tinynet import layers as L
from tinynet import utils
from tinynet.callbacks import Callback


class Recorder(L.Layer):
    """An identity layer that writes down, per training batch, which samples it saw."""

    def __init__(self, seen, **kwargs):
        super().__init__(**kwargs)
        self.seen = seen

    def forward(self, x, training=False):
        x = self._prepare(x)
        if training:
            self.seen.append(x[:, 0].astype(int).tolist())  # column 0 holds the sample's index
        return x

    def backward(self, dy):
        return dy


class BatchLosses(Callback):
    def on_train_begin(self, logs=None):
        self.losses = []

    def on_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


def data(n):
    rng = np.random.default_rng(7)
    x = np.column_stack([np.arange(n), rng.normal(size=(n, 2))]).astype("f4")
    y = rng.normal(size=(n, 1)).astype("f4")
    return x, y


def model(seen=None, seed=3):
    utils.set_random_seed(seed)
    layers = [Recorder(seen if seen is not None else [], input_shape=(3,)), L.Dense(1)]
    m = tinynet.Sequential(layers)
    m.compile(optimizer=tinynet.optimizers.SGD(0.05, momentum=0.5), loss="mse")
    m.workers = 1
    return m


def epochs_of(batches, n):
    """The recorded batches grouped into epochs of ``n`` samples each."""
    flat, out = [i for b in batches for i in b], []
    for start in range(0, len(flat), n):
        out.append(flat[start:start + n])
    return out


def test_without_shuffle_batches_are_consecutive_and_the_last_partial_one_is_kept():
    seen, (x, y) = [], data(10)
    model(seen).fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 2


def test_with_shuffle_each_epoch_is_a_fresh_permutation_of_every_sample():
    seen, (x, y) = [], data(16)
    model(seen).fit(x, y, batch_size=5, epochs=4, shuffle=True, verbose=0)
    assert [len(b) for b in seen] == [5, 5, 5, 1] * 4
    epochs = epochs_of(seen, 16)
    assert all(sorted(e) == list(range(16)) for e in epochs)  # each sample once per epoch
    assert len({tuple(e) for e in epochs}) == 4  # a new order every epoch
    assert all(e != list(range(16)) for e in epochs)  # actually shuffled


def test_the_order_comes_from_tinynets_seeded_generator():
    x, y = data(12)
    orders = []
    for seed in (5, 5, 6):
        seen = []
        m = model(seen)
        utils.set_random_seed(seed)
        m.fit(x, y, batch_size=12, epochs=2, verbose=0)
        orders.append(epochs_of(seen, 12))
    assert orders[0] == orders[1] != orders[2]
    utils.set_random_seed(5)
    assert orders[0] == [utils.rng().permutation(12).tolist() for _ in range(2)]


@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_equals_train_on_batch_over_the_batches_it_took(shuffle):
    """y moves with x: replaying the recorded batches step by step gives fit's weights."""
    seen, (x, y) = [], data(11)
    fitted = model(seen, seed=1)
    start = fitted.get_weights()
    fitted.fit(x, y, batch_size=3, epochs=3, shuffle=shuffle, verbose=0)
    replay = model(seed=2)
    replay.set_weights(start)
    for batch in seen:
        replay.train_on_batch(x[batch], y[batch])
    for a, b in zip(fitted.get_weights(), replay.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_the_epoch_loss_is_the_batch_losses_weighted_by_batch_size():
    x, y = data(10)
    batches = BatchLosses()
    history = model().fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                          callbacks=[batches])
    sizes = np.array([4, 4, 2])
    for epoch in range(2):
        losses = np.array(batches.losses[3 * epoch:3 * epoch + 3])
        assert history.history["loss"][epoch] == pytest.approx(
            float(losses @ sizes / sizes.sum()), rel=1e-6)


def test_validation_split_holds_out_the_last_samples_before_shuffling():
    seen, (x, y) = [], data(10)
    model(seen).fit(x, y, batch_size=3, epochs=2, validation_split=0.2, verbose=0)
    assert sorted(i for b in seen for i in b) == sorted(list(range(8)) * 2)
