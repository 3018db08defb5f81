"""Datasets as ``keras.datasets`` gives them, with what every loader shares: errors, checksums."""

import hashlib
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

# What fetching or reading a file may fail with; a source that raises one is skipped.
FAILURES = (OSError, ValueError, KeyError, zipfile.BadZipFile, tarfile.TarError,
            subprocess.SubprocessError)


class DataUnavailableError(RuntimeError):
    """No source could provide the data; the message lists each place searched and why."""


class ChecksumError(ValueError):
    """A file's sha256 is not the pinned one."""


def verify(data, expected, name):
    """Return ``data`` if its sha256 is ``expected``, else raise a ``ChecksumError``.

    Args:
        data: the file's bytes.
        expected: the pinned sha256, as 64 hex digits.
        name: the file, for the message.
    """
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ChecksumError(
            f"{name}: sha256 mismatch: expected {expected}, got {actual}. The file is damaged "
            "or is not the file tinynet expects; remove it if tinynet wrote it, then fetch again."
        )
    return data


def cache_dir(dataset):
    """tinynet's own copy of ``dataset``: ``$XDG_CACHE_HOME/tinynet/<dataset>`` (``~/.cache``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tinynet" / dataset
