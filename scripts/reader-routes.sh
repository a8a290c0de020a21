#!/usr/bin/env bash
# The ways readers run the book, each in a fresh virtual environment, as they meet them (issue 14).
#
#   bash scripts/reader-routes.sh [colab] [minimum]      (default: both)
#
# colab    Colab's package versions (ipywidgets 7.7.1, IPython 7.34, numpy 2.1, matplotlib 3.10,
#          scipy 1.15, joblib 1.5; torch 2.13 CPU stands in for Colab's torch). gatebook is installed from its
#          wheel with the [learning] extra; nothing already installed may change version (packages may be added), and
#          `pip check` must be clean. Then chapters 1, 3, 6 and 11 run live (widgets through the
#          IPython display path) with no error output.
# minimum  The declared minimum versions of pyproject.toml, without torch: `import gatebook`,
#          chapter 1 and Part III must work without it. Runs the numpy-only tests of the core,
#          the mean-field theory, figures and exercises, and chapters 1 and 11.
#
# Environment: PYTHON (default python3) for the new venvs; READER_ROUTES_DIR (default
# _build/reader-routes) for the venvs and the wheel. Prints the wall time of each step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
WORK="${READER_ROUTES_DIR:-$ROOT/_build/reader-routes}"
ROUTES=("$@")
[[ ${#ROUTES[@]} -eq 0 ]] && ROUTES=(colab minimum)
mkdir -p "$WORK"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" \
    PYDEVD_DISABLE_FILE_VALIDATION=1  # quiets ipykernel 6.17's debugger warning on every kernel start
PIP=(python -m pip install --quiet --disable-pip-version-check)

# The tools that run the notebooks; not part of either environment under test, but needed to
# drive it. Versions chosen to work with IPython 7.
RUNNER=(nbclient==0.10.2 nbformat==5.10.4 "pytest==9.2.0")

COLAB=(ipywidgets==7.7.1 ipython==7.34.0 ipykernel==6.17.1 numpy==2.1.3 matplotlib==3.10.0
       scipy==1.15.3 tqdm==4.67.1 joblib==1.5.1 torch==2.13.0)
MINIMUM=(numpy==2.0.0 scipy==1.13.0 matplotlib==3.8.4 ipywidgets==7.6.5 tqdm==4.64.0 joblib==1.3.0 ipykernel==6.17.1)
MINIMUM_TESTS=(tests/test_simulate.py tests/test_random_network.py tests/test_gated_network.py
               tests/test_lyapunov.py tests/test_explore.py tests/test_plots.py tests/test_exercises.py
               tests/test_meanfield_static.py tests/test_meanfield_scs.py tests/test_meanfield_quadrature.py
               tests/test_quiet_state.py tests/test_phase_cache.py tests/test_correlations.py
               tests/test_dimension.py tests/test_plots_phase_diagrams.py tests/test_jobs.py)

say() { echo "==> reader routes: $*"; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

wheel() {
    rm -rf "$WORK/dist"
    "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WORK/dist" "$ROOT" 2>&1 \
        | grep -v "is ignored" || true
    ls "$WORK"/dist/gatebook-*.whl
}

fresh_venv() {  # fresh_venv NAME: a new venv, activated
    rm -rf "$WORK/$1"
    "$PYTHON" -m venv "$WORK/$1"
    # shellcheck disable=SC1091
    source "$WORK/$1/bin/activate"
}

route_colab() {
    local t0; t0=$(date +%s)
    say "colab: a fresh venv with Colab's versions"
    fresh_venv colab
    "${PIP[@]}" "${COLAB[@]}" "${RUNNER[@]}" 2>&1 | grep -v "is ignored" || true
    python -m pip freeze | sort > "$WORK/colab-before.txt"
    say "colab: installing gatebook[learning] from its wheel ($(elapsed "$t0"))"
    local whl; whl=$(ls "$WORK"/dist/gatebook-*.whl)
    "${PIP[@]}" "gatebook[learning] @ file://$whl" 2>&1 | grep -v "is ignored" || true
    python -m pip freeze | sort | grep -v "^gatebook" > "$WORK/colab-after.txt"
    # every package Colab had must keep its version (new packages may be added)
    local changed; changed=$(comm -23 <(grep -v "^gatebook" "$WORK/colab-before.txt") "$WORK/colab-after.txt")
    if [[ -n "$changed" ]]; then
        echo "error: installing gatebook changed or removed, in a Colab-like environment:" >&2
        echo "$changed" >&2
        return 1
    fi
    echo "added by gatebook: $(comm -13 <(grep -v "^gatebook" "$WORK/colab-before.txt") "$WORK/colab-after.txt" | tr '\n' ' ')"
    python -m pip check
    python -c "import ipywidgets, IPython, numpy, matplotlib; print('ipywidgets', ipywidgets.__version__, \
'IPython', IPython.__version__, 'numpy', numpy.__version__, 'matplotlib', matplotlib.__version__)"
    say "colab: first figure ($(elapsed "$t0") since the empty venv)"
    python - <<'PY'
import time
t = time.perf_counter()
import gatebook as gb
from gatebook import plots
net = gb.RandomRateNetwork(200, 2.0, seed=1)
fig = plots.plot_traces({"g = 2": gb.simulate(net, 20.0, 0.1, seed=2)})
fig.savefig("/dev/null", format="png")
print(f"import + simulate + first figure: {time.perf_counter() - t:.1f} s")
PY
    say "colab: chapters, live ($(elapsed "$t0"))"
    python "$ROOT/scripts/run_chapters.py" 01_random_networks 03_scalar_gate 06_gated_network 11_phase_diagrams
    deactivate
    say "colab: passed in $(elapsed "$t0")"
}

route_minimum() {
    local t0; t0=$(date +%s)
    say "minimum: a fresh venv with the declared minimum versions, no torch"
    fresh_venv minimum
    "${PIP[@]}" "${MINIMUM[@]}" "${RUNNER[@]}" 2>&1 | grep -v "is ignored" || true
    local whl; whl=$(ls "$WORK"/dist/gatebook-*.whl)
    "${PIP[@]}" "$whl" 2>&1 | grep -v "is ignored" || true
    python -m pip check
    python - <<'PY'
import importlib.util, sys
import numpy, scipy, matplotlib, ipywidgets, tqdm
print("numpy", numpy.__version__, "scipy", scipy.__version__, "matplotlib", matplotlib.__version__,
      "ipywidgets", ipywidgets.__version__, "tqdm", tqdm.__version__)
assert importlib.util.find_spec("torch") is None, "torch must not be installed in the minimum route"
import gatebook, gatebook.meanfield, gatebook.plots, gatebook.exercises
assert "torch" not in sys.modules
try:
    import gatebook.learning
except ImportError as err:
    assert "gatebook[learning]" in str(err), err
    print("gatebook.learning without torch:", err)
else:
    raise AssertionError("gatebook.learning imported without torch")
PY
    say "minimum: tests that need no torch ($(elapsed "$t0"))"
    (cd "$ROOT" && python -m pytest -q -p no:cacheprovider --disable-warnings "${MINIMUM_TESTS[@]}")
    say "minimum: chapters, live ($(elapsed "$t0"))"
    python "$ROOT/scripts/run_chapters.py" 01_random_networks 11_phase_diagrams
    deactivate
    say "minimum: passed in $(elapsed "$t0")"
}

say "building the wheel"
wheel
status=0
for route in "${ROUTES[@]}"; do
    case "$route" in
        colab) route_colab || status=1 ;;
        minimum) route_minimum || status=1 ;;
        *) echo "unknown route $route (choose colab, minimum)" >&2; exit 2 ;;
    esac
done
exit $status
