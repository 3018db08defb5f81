"""Two diagnoses on top of ``tinynet.gradcheck``'s result, which need the exercise's knowledge.

- ``regrade_kink``: on a kink (ReLU at z == 0) central differences average the two sides, so
  gradcheck cannot grade those entries; there the expected value is Keras's convention, and a
  learner who differs only there is told "correct except where z == 0".
- ``constant_factor``: gradcheck names a factor of N (the batch) or 2; an exercise may name
  others (MSE's D, outputs per sample; Dropout's 1 − rate).

Both read an ``ArrayCheck`` (``analytic``, ``numeric``, ``name``) and compute nothing numeric
of their own: the central differences are gradcheck's.
"""

import numpy as np

from tinynet.gradcheck import relative_error

TOL = 1e-6  # gradcheck's default tolerance


def _bad(check):
    """Where analytic and numeric differ by more than gradcheck's tolerance (relative to scale)."""
    g, n = np.asarray(check.analytic, dtype=np.float64), check.numeric
    scale = max(np.abs(g).max(initial=0), np.abs(n).max(initial=0), 1e-12)
    return np.abs(g - n) > TOL * scale


def constant_factor(check, factors):
    """The named reason for a constant factor between analytic and numeric, if one fits."""
    g, n = np.asarray(check.analytic, dtype=np.float64), check.numeric
    if not (n * n).sum():
        return ""
    k = float((g * n).sum() / (n * n).sum())
    for value, why in factors.items():
        if abs(k / value - 1) < 1e-3 and relative_error(g, k * n) < TOL:
            return f" {why}"
    return ""


def regrade_kink(case, check, ref_check):
    """Re-grade the input's check of a case with kinks: there, the reference's convention.

    Central differences on a kink average the two sides, so there the expected value is the
    reference's (Keras's convention) instead; elsewhere it stays the numeric one. Returns
    ``(passed, error, hint, expected)``, or None when the check is wrong off the kinks too.
    """
    bad = _bad(check)
    if (bad & ~case.kink).any():  # wrong off the kinks too: gradcheck's verdict stands
        return None
    expected = check.numeric.copy()
    expected[case.kink] = ref_check.analytic[case.kink]
    error = relative_error(check.analytic, expected)
    if error < TOL:
        return True, error, (f"the {int(case.kink.sum())} entries on the kink follow the "
                             f"convention too ({case.convention})"), expected
    wrong = int((~np.isclose(check.analytic, expected, rtol=1e-9, atol=1e-12)).sum())
    hint = (f"correct except where z == 0 (on the kink): at those {wrong} entries Keras and TF "
            f"use {case.convention}; yours differs there")
    return False, error, hint, expected
