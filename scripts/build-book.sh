#!/usr/bin/env bash
# Build the Gatebook website into _build/html, from a fresh clone on a fresh machine.
#
#   bash scripts/build-book.sh
#
# 1. creates .venv with python3.11 if it does not exist;
# 2. installs the pinned environment (requirements.txt) and gatebook itself (pip install -e .);
# 3. runs every chapter and builds the site with warnings as errors:
#      jupyter-book build . -W -n --keep-going --all
#    A failing cell, a broken reference or a page that would load anything from the
#    internet makes the build, and this script, exit non-zero.
#
# Safe to run again: an existing .venv is reused and pip skips what is installed.
# Environment: PYTHON (default python3.11) picks the interpreter for a new venv;
# GATEBOOK_SKIP_INSTALL=1 skips step 2; GATEBOOK_JUPYTERHUB_URL adds a JupyterHub
# launch button (see instructors.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/setup-env.sh
source "$ROOT/scripts/setup-env.sh"

echo "==> API reference pages from the docstrings (scripts/api_reference.py)"
python "$ROOT/scripts/api_reference.py" >/dev/null
echo "==> building the book (every notebook is executed)"
start=$(date +%s)
status=0
jupyter-book build . -W -n --keep-going --all || status=$?
elapsed=$(( $(date +%s) - start ))

if [[ $status -ne 0 ]]; then
    echo "==> BUILD FAILED after ${elapsed} s (exit $status); see the messages above" >&2
    exit "$status"
fi
# The student versions (no solutions; exercises as plain Markdown) are published with the site,
# beside the copies in student/ that the Colab and JupyterHub buttons open.
python "$ROOT/scripts/student_versions.py" --plain --out "$ROOT/_build/html/student" >/dev/null
echo "==> built in ${elapsed} s: $ROOT/_build/html/index.html (student notebooks in _build/html/student/)"
# The whole book as one PDF, printed by Chromium from the built pages (skipped without Chromium).
python "$ROOT/scripts/book_pdf.py" || { echo "==> the PDF failed" >&2; exit 1; }
