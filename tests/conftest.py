"""Shared test settings: hypothesis profiles and a fresh naming/seed state per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with Keras-style names from zero and a fixed seed."""
    from tinynet import utils

    utils.clear_session()
    utils.set_random_seed(0)
    yield


@pytest.fixture
def keras_float64():
    """Keras with floatx float64 for one test: its loss metric and learning-rate variable
    follow floatx, so a float64 comparison with tinynet needs it."""
    keras = pytest.importorskip("keras")
    old = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx(old)
