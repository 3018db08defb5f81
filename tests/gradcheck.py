"""The tests' gradient checker: a thin layer over ``tinynet.gradcheck`` that asserts."""

from tinynet.gradcheck import gradcheck, numerical_gradient, relative_error

__all__ = ["check_layer", "numerical_gradient", "relative_error"]


def check_layer(layer, x, seed=0, tol=1e-6):
    """Compare ``layer.backward`` with central differences for the input and every parameter.

    The scalar probed is L = Σ y ⊙ r for a fixed random r, so dy = r (see ``tinynet.gradcheck``).
    Returns a dict of relative errors keyed by "x" and parameter names; asserts each < tol,
    with the checker's report (worst entry, hints) as the message.
    """
    result = gradcheck(layer, x, seed=seed, tol=tol)
    assert result.passed, f"{getattr(layer, 'name', layer)}: gradient check failed\n{result}"
    return result.errors
