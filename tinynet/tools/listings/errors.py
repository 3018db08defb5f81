"""The one error a listing raises when something it needs is not installed or not present."""


class ListingUnavailableError(ImportError):
    """Keras, matplotlib or the reference scripts are missing; the message says how to get them."""
