#!/usr/bin/env bash
# Create (or reuse) .venv and install the pinned environment plus gatebook itself.
# Sourced by scripts/build-book.sh and scripts/test.sh; leaves the venv activated.
#
# Environment: PYTHON picks the interpreter for a new venv (default: python3; any Python
# 3.11-3.13); GATEBOOK_SKIP_INSTALL=1 skips the pip step (the venv must already be complete).
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

if [[ ! -x "$VENV/bin/python" ]]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "error: $PYTHON not found; install Python 3.11, 3.12 or 3.13, or set PYTHON=/path/to/python3.x" >&2
        exit 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 13)))'; then
        echo "error: $PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())');" \
             "gatebook needs 3.11-3.13 (set PYTHON=/path/to/python3.x)" >&2
        exit 1
    fi
    echo "==> creating $VENV with $PYTHON ($("$PYTHON" -c 'import platform; print(platform.python_version())'))"
    "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"

if [[ "${GATEBOOK_SKIP_INSTALL:-0}" != "1" ]]; then
    echo "==> installing the pinned environment (requirements.txt) and gatebook"
    # torch==2.13.0 is pinned in requirements.txt: a looser spec would pull CUDA wheels.
    python -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" 2>&1 | grep -v "is ignored" || true
    python -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT" 2>&1 | grep -v "is ignored" || true
    python -c "import gatebook, torch, jupyter_book" || { echo "error: the environment did not install" >&2; exit 1; }
fi
