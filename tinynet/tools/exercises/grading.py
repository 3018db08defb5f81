"""``tinynet exercise check``: grade the learner's file in four steps, with feedback that says why.

1. shapes: every function runs and returns arrays of the reference's shapes;
2. gradients: each one against central differences in float64, through ``tinynet.gradcheck``;
3. Keras parity: the same gradients from ``tf.GradientTape`` (skipped without TensorFlow);
4. training: a book listing with the learner's function swapped in (only for its layers).

A step that fails stops the later ones. The diagnoses are gradcheck's hints, plus the two in
``diagnoses.py`` that need the exercise's knowledge.
"""

import traceback
import types
from pathlib import Path

import numpy as np

from tinynet.gradcheck import gradcheck, relative_error
from tinynet.tools.exercises import base, training
from tinynet.tools.exercises.base import ExerciseError
from tinynet.tools.exercises.diagnoses import constant_factor, regrade_kink


def reference_functions(exercise, _cache={}):  # noqa: B006  (one reference module per process)
    """The reference solution's functions: ``solution_text()`` run as a module."""
    if exercise.name not in _cache:
        module = types.ModuleType(f"tinynet_exercise_reference_{exercise.name}")
        exec(compile(exercise.solution_text(), f"<solution {exercise.name}>", "exec"),
             module.__dict__)
        _cache[exercise.name] = _callables(module)
    return _cache[exercise.name]


def _callables(module):
    return {k: v for k, v in vars(module).items() if callable(v) and not k.startswith("__")}


def _where(error, path):
    """``line N of dense.py`` for the deepest frame of the learner's file in ``error``."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    return f" (line {frames[-1].lineno} of {path.name})" if frames else ""


def _failure(error, exercise, path):
    """One line for an exception raised while running the learner's code."""
    if isinstance(error, NotImplementedError):
        todo = " and ".join(exercise.functions)
        verb = "raises" if len(exercise.functions) == 1 else "raise"
        return f"not written yet: {todo} still {verb} NotImplementedError."
    if isinstance(error, ExerciseError):
        return str(error)
    return f"{type(error).__name__}: {error}{_where(error, path)}"


def _run(probe, x, G):
    y = probe.forward(x.copy())
    dx = probe.backward(G)
    return y, {"x": dx, **probe.grads}


# -- step 1 ------------------------------------------------------------------------------------
def step_shapes(exercise, fns, ref, cases, rng, path):
    """Every case runs; every gradient has the reference's shape (or says it looks transposed)."""
    lines, ok, first = [], True, None
    for case in cases:
        G = rng.standard_normal(np.shape(case.make(ref).forward(case.x.copy())))
        _, want = _run(case.make(ref), case.x, G)
        try:
            _, got = _run(case.make(fns), case.x, G)
        except Exception as e:  # the learner's code may raise anything; report it, don't crash
            return False, [f"FAILED ({case.label}): {_failure(e, exercise, path)}"]
        first = first or want
        for name, w in want.items():
            g, shown = np.asarray(got.get(name)), exercise.names[name]
            if got.get(name) is None or g.shape != w.shape:
                ok = False
                text = f"{shown} has shape {g.shape if got.get(name) is not None else None}, " \
                       f"expected {w.shape}"
                if g.ndim == 2 and g.shape == w.shape[::-1]:
                    text += f": {shown} looks transposed"
                    if np.allclose(g.T, w, rtol=1e-6, atol=1e-12):
                        text += f" ({shown}.T is exactly right; swap the product's order)"
                lines.append(f"FAILED ({case.label}): {text}")
            elif not np.all(np.isfinite(g)):
                ok = False
                lines.append(f"FAILED ({case.label}): {shown} has NaN or inf entries")
    if ok:
        shapes = ", ".join(f"{exercise.names[k]} {tuple(np.shape(v))}" for k, v in first.items())
        lines.append(f"ok   {shapes}")
    return ok, lines


# -- step 2 ------------------------------------------------------------------------------------
def step_gradients(exercise, fns, ref, cases):
    """Each gradient against central differences (tinynet.gradcheck), diagnosed when wrong."""
    lines, ok = [], True
    width = max(map(len, exercise.names.values()))
    for case in cases:
        result = gradcheck(case.make(fns), case.x)
        ref_result = None
        lines.append(f"{case.label}:")
        for name, check in result.checks.items():
            shown, passed, hint, error = exercise.names[name], check.passed, check.hint, check.error
            expected, what = check.numeric, "numeric"
            if case.kink is not None and name == "x":  # gradcheck can't judge a kink: re-grade
                ref_result = ref_result or gradcheck(case.make(ref), case.x)
                regraded = regrade_kink(case, check, ref_result.checks[name])
                if regraded is not None:
                    passed, error, hint, expected = regraded
                    what = "expected"
            if not passed and (why := constant_factor(check, exercise.factors)):
                hint = hint.rstrip(".") + why
            status = "ok" if passed else "FAILED"
            line = f"  {shown:<{width}}  relative error {error:.1e}  {status}"
            if not passed and check.worst:
                diff = np.abs(np.asarray(check.analytic, dtype=np.float64) - expected)
                worst = np.unravel_index(np.argmax(diff), diff.shape)
                a, n = np.asarray(check.analytic)[worst], expected[worst] + 0.0  # no −0
                line += (f"   worst at {[int(i) for i in worst]}: yours {a:.6g}, "
                         f"{what} {n:.6g}")
            lines.append(line)
            if hint and not passed:
                lines.append(f"    diagnosis: {shown} {hint}")
            elif hint and "kink" in hint:
                lines.append(f"    note: {hint}")
            ok &= passed
        lines.extend(f"  note: {note}" for note in result.notes)
    return ok, lines


# -- step 3 ------------------------------------------------------------------------------------
def step_keras(exercise, fns, cases, rng, tol):
    """The learner's gradients against Keras's, case by case."""
    lines, ok = [], True
    for case in cases:
        pairs = exercise.keras(fns, case, rng)
        errors = {name: relative_error(ours, theirs) for name, (ours, theirs) in pairs.items()}
        bad = {exercise.names.get(k, k): e for k, e in errors.items() if not e < tol}
        ok &= not bad
        worst = max(errors.values())
        lines.append(f"{case.label}: " + ("ok" if not bad else "FAILED") +
                     f"   largest relative error {worst:.1e}" +
                     (f"; differs: {', '.join(bad)}" if bad else ""))
    return ok, lines


# -- step 4 ------------------------------------------------------------------------------------
def step_training(exercise, fns, data):
    """The listing trained with the learner's code beside the reference; accuracy must match."""
    listing, result = exercise.training(fns, data)
    (_, _), _, what = data
    head = f"{listing}, {what}, {training.EPOCHS} epoch"
    if "skipped" in result:
        return None, [f"skipped ({head}): {result['skipped']}"]
    ours, ref = result["learner"], result["reference"]
    gap = abs(ours["accuracy"] - ref["accuracy"])
    ok = bool(np.isfinite(ours["loss"]) and gap <= training.TOLERANCE)
    return ok, [f"{head}:",
                *(f"  {who:<9}  test accuracy {r['accuracy']:.1%}   final loss {r['loss']:.4f}"
                  for who, r in (("yours", ours), ("reference", ref))),
                "  ok" if ok else f"  FAILED: {gap:.1%} apart (at most "
                                  f"{training.TOLERANCE:.0%} passes)"]


def check(exercise, path, keras=None, train=True, data=None, print_fn=print, seed=0):
    """Grade the file at ``path``; print the report; True when every step that ran passed.

    Args:
        exercise: the ``Exercise``.
        path: the learner's file.
        keras: run step 3: ``None`` means when TensorFlow is installed.
        train: run step 4 (for the exercises whose layer a listing uses).
        data: for step 4, ``"mnist"``, ``"synthetic"`` or ``None`` (MNIST if a copy is local).
        print_fn: called with each line of the report.
        seed: seed of the cases' random inputs.
    """
    path = Path(path)
    print_fn(f"tinynet exercise check {exercise.name}: {path}")
    try:
        module = base.load_module(path, exercise.name)
        fns = _callables(module)
        base.functions_of(module, exercise)
    except Exception as e:  # a syntax error, a missing function: say which, where
        print_fn(f"FAILED: your file does not load: {_failure(e, exercise, path)}")
        return False
    ref = reference_functions(exercise)
    rng = np.random.default_rng(seed)
    cases = exercise.cases(np.random.default_rng(seed)) if exercise.cases else []
    if exercise.gradients is not None:  # an update rule (Adam): its own steps 1 and 2
        steps = exercise.gradients(fns, ref, cases, path)
    else:
        steps = [("1 shapes", lambda: step_shapes(exercise, fns, ref, cases, rng, path)),
                 ("2 gradients, float64 central differences (tinynet.gradcheck)",
                  lambda: step_gradients(exercise, fns, ref, cases))]
    failed = None
    for title, run in steps:
        ok, lines = _guard(run, exercise, path)
        _report(print_fn, title, lines)
        if not ok:
            failed = failed or title
            break
    if failed is None:
        failed = _optional_steps(exercise, fns, cases, rng, keras, train, data, path, print_fn)
    else:
        print_fn("3, 4: not run until the steps above pass")
    if failed:
        print_fn(f"FAILED at step {failed.split()[0]}. Fix it, then run "
                 f"`tinynet exercise check {exercise.name}` again.")
        return False
    print_fn(f"PASSED: {exercise.name}.")
    return True


def _optional_steps(exercise, fns, cases, rng, keras, train, data, path, print_fn):
    """Steps 3 and 4; returns the title of the failed one, or None."""
    title = "3 Keras parity, float64"
    if keras is False:
        _report(print_fn, title, ["skipped (asked not to run it)"])
    elif not base.keras_available():
        _report(print_fn, title, ["skipped: TensorFlow is not installed "
                                  "(`pip install 'tinynet[keras]'` adds it)"])
    else:
        ok, lines = _guard(lambda: step_keras(exercise, fns, cases, rng, exercise.keras_tol),
                           exercise, path)
        _report(print_fn, title, lines)
        if not ok:
            return title
    if exercise.training is None:
        return None
    title = "4 training run with your code swapped in"
    if not train:
        _report(print_fn, title, ["skipped (asked not to run it)"])
        return None
    ok, lines = _guard(lambda: step_training(exercise, fns, training.load(data)), exercise, path)
    _report(print_fn, title, lines)
    return title if ok is False else None


def _guard(run, exercise, path):
    try:
        return run()
    except Exception as e:  # the learner's code, run inside the step
        return False, [f"FAILED: {_failure(e, exercise, path)}"]


def _report(print_fn, title, lines):
    if len(lines) == 1 and not lines[0].endswith(":"):
        print_fn(f"{title}: {lines[0]}")
        return
    print_fn(f"{title}:")
    for line in lines:
        print_fn(f"  {line}")
