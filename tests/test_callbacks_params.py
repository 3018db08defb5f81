"""Callbacks know the run's shape before it starts, as Keras's do: ``self.params``."""

import numpy as np

import tinynet as tn
from tinynet import callbacks
from tinynet import layers as L


class Record(callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seen = dict(self.params)


def test_params_are_set_before_on_train_begin_and_kept_in_history():
    m = tn.Sequential([L.Input((3,)), L.Dense(2, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).random((100, 3)), np.arange(100) % 2
    record = Record()
    history = m.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[record])
    assert record.seen == {"epochs": 3, "steps": 4, "verbose": 0}
    assert history.params == record.seen
