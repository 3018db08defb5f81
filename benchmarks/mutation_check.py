"""Mutation check: plant bugs that peer frameworks shipped, and prove that the tests catch each.

For every mutant in ``benchmarks/mutants.py`` (one exact old → new string edit in one file)
it copies the repository to a temporary folder, applies the edit there (stopping loudly if the
old string is not found exactly once), runs the mutant's test files against that copy, and
reports *killed* (a test failed, or the run timed out) or *SURVIVED* (every test passed).
First, a baseline run of the same test files on an unmutated copy must pass; otherwise no
verdict means anything and the check stops.

    uv run python benchmarks/mutation_check.py                 # every mutant
    uv run python benchmarks/mutation_check.py --list          # names, areas and origins
    uv run python benchmarks/mutation_check.py col2im_assigns  # some of them, by name
    uv run python benchmarks/mutation_check.py --jobs 2        # two at a time

It takes minutes (every run starts Python afresh), so CI does not run it by default. Exit
status: 0 every mutant killed, 1 some survived, 2 the check could not run (a stale mutant, a
failing baseline, or a copy that imported another tinynet).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mutants import MUTANTS

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache",
                              ".hypothesis", "out", "data", "build", "dist", "*.egg-info")
# Runs pytest in the copy, but first proves that the copy's tinynet is the one imported.
RUNNER = ("import sys, tinynet, pytest; "
          "sys.exit(97) if not tinynet.__file__.startswith(sys.argv[1]) else None; "
          "sys.exit(pytest.main(sys.argv[2:]))")
WRONG_TINYNET = 97


class CheckError(Exception):
    """The check cannot give a verdict (stale mutant, failing baseline, wrong import)."""


def copy_repo(where):
    repo = Path(where) / "repo"
    shutil.copytree(ROOT, repo, ignore=SKIP)
    return repo


def apply(repo, mutant):
    """Write the mutant's edit into the copy; the old string must be there exactly once."""
    path = repo / mutant.path
    text = path.read_text()
    found = text.count(mutant.old)
    if found != 1:
        raise CheckError(f"{mutant.name}: its old string is in {mutant.path} {found} times, not "
                         "once; the source changed. Update benchmarks/mutants.py to the new "
                         f"code, keeping the bug:\n{mutant.old}")
    path.write_text(text.replace(mutant.old, mutant.new))


def run_tests(repo, tests, timeout):
    """``(status, seconds, tail)``: status is 'passed', 'failed' or 'timeout'."""
    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-c", RUNNER, str(repo), "-x", "-q", "-p", "no:cacheprovider",
               *tests]
    start = time.perf_counter()
    try:
        run = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start, ""
    seconds = time.perf_counter() - start
    if run.returncode == WRONG_TINYNET:
        raise CheckError(f"the copy in {repo} imported another tinynet; check PYTHONPATH and "
                         "that tinynet is not installed non-editable into this environment.")
    tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-3:])
    return ("passed" if run.returncode == 0 else "failed"), seconds, tail


def baseline(mutants, timeout):
    """The union of the mutants' test files passes on an unmutated copy, or CheckError."""
    tests = sorted({t for m in mutants for t in m.tests})
    with tempfile.TemporaryDirectory(prefix="tinynet-baseline-") as tmp:
        status, seconds, tail = run_tests(copy_repo(tmp), tests, timeout * 2)
    if status != "passed":
        raise CheckError(f"baseline {status} before any mutation ({len(tests)} test files, "
                         f"{seconds:.0f} s); fix the suite first:\n{tail}")
    print(f"baseline: {len(tests)} test files pass unmutated ({seconds:.0f} s)", flush=True)


def check(mutant, timeout):
    """``(mutant, verdict, seconds)`` for one mutant, in its own copy."""
    with tempfile.TemporaryDirectory(prefix=f"tinynet-{mutant.name}-") as tmp:
        repo = copy_repo(tmp)
        apply(repo, mutant)
        status, seconds, tail = run_tests(repo, mutant.tests, timeout)
    verdict = {"passed": "SURVIVED", "failed": "killed", "timeout": "killed (timeout)"}[status]
    return mutant, verdict, seconds, tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show the last lines of each test run (which test caught it)")
    args = parser.parse_args(argv)
    by_name = {m.name: m for m in MUTANTS}
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:<42} {m.area:<14} {m.path}\n{'':<42} {m.origin}")
        return 0
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        parser.error(f"unknown mutants {unknown}; see --list")
    chosen = [by_name[n] for n in args.names] or MUTANTS
    try:
        with tempfile.TemporaryDirectory() as tmp:  # every old string, before any long run
            repo = copy_repo(tmp)
            for m in chosen:
                apply(repo, m)
                shutil.copy(ROOT / m.path, repo / m.path)
        if not args.no_baseline:
            baseline(chosen, args.timeout)
        results = []
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            for mutant, verdict, seconds, tail in pool.map(lambda m: check(m, args.timeout),
                                                           chosen):
                results.append(verdict)
                print(f"{verdict:<17} {mutant.name:<42} {seconds:6.1f} s  "
                      f"{', '.join(mutant.tests)}", flush=True)
                if args.verbose:
                    print("    " + tail.replace("\n", "\n    "), flush=True)
    except CheckError as err:
        print(f"mutation_check: {err}", file=sys.stderr)
        return 2
    killed = sum(v.startswith("killed") for v in results)
    areas = sorted({m.area for m in chosen})
    print(f"\n{killed}/{len(results)} mutants killed ({', '.join(areas)})")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
