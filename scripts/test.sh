#!/usr/bin/env bash
# Run every Gatebook test from a fresh clone on a fresh machine:
#
#   bash scripts/test.sh
#
# 1. creates .venv and installs the pinned environment (scripts/setup-env.sh);
# 2. builds the whole website with warnings as errors (scripts/build-book.sh),
#    executing every chapter as the static site does;
# 3. runs the benchmarks in --quick mode as a smoke check (ratios are printed,
#    not asserted: see benchmarks/README.md for the full run);
# 4. runs pytest once over
#      - the unit and science tests (tests/) and the docstring examples (gatebook/),
#      - every chapter notebook on a fresh kernel in live (widget) mode (nbmake),
#      - the checks of the built site, including a real Chromium driven by
#        Playwright (skipped with a message if no Chromium is found, unless CI is set);
# 5. runs the mean-field tests again on a perturbed floating-point path (every Gaussian
#    quadrature multiplied by 1 + 1e-15 u, two BLAS threads), so that a solver whose
#    convergence hinges on the machine's rounding fails here, not only on another CPU;
# 6. runs the Part II reproductions at laptop scale (python -m gatebook reproduce all --scale laptop);
# 7. runs the reader routes (scripts/reader-routes.sh): a fresh Colab-like venv (ipywidgets 7,
#    IPython 7.34, ...) and a fresh venv with the minimum declared versions and no torch, each
#    installing gatebook from its wheel and running chapters live.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
start=$(date +%s)

# shellcheck source=scripts/setup-env.sh
source "$ROOT/scripts/setup-env.sh"

# The chapters and tests work on small matrices: one BLAS/OpenMP thread per process
# avoids oversubscribing the cores (see _ext/gatebook_sphinx.py). Callers may override.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" \
    MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"

GATEBOOK_SKIP_INSTALL=1 bash "$ROOT/scripts/build-book.sh"

echo "==> benchmarks (quick smoke run)"
python benchmarks/run.py --quick --json "$ROOT/_build/benchmarks-quick.json"

echo "==> pytest: unit and science tests, chapter notebooks, built site"
status=0
GATEBOOK_BUILT_HTML="$ROOT/_build/html" python -m pytest tests gatebook chapters --doctest-modules --nbmake --nbmake-timeout=600 \
    -p no:cacheprovider --durations=15 || status=$?
echo "==> pytest: mean-field tests on a perturbed floating-point path (--perturb-fp 1e-15, 2 BLAS threads)"
OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python -m pytest tests/test_meanfield_*.py \
    --perturb-fp=1e-15 -p no:cacheprovider -q || status=$?
echo "==> reproductions at laptop scale: python -m gatebook reproduce all --scale laptop (issue 16)"
python -m gatebook reproduce all --scale laptop --out "$ROOT/_build/reproductions" --no-progress || status=$?
echo "==> reader routes: Colab-like and minimum-version environments (scripts/reader-routes.sh)"
bash "$ROOT/scripts/reader-routes.sh" colab minimum || status=$?
echo "==> scripts/test.sh finished in $(( $(date +%s) - start )) s with exit status $status"
exit $status
