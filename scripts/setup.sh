#!/usr/bin/env bash
# Set up a laptop to read the chapters in JupyterLab, without building the book:
#
#   bash scripts/setup.sh          # .venv with the pinned environment + gatebook, a Jupyter kernel
#   bash scripts/setup.sh --lab    # the same, then opens JupyterLab on the chapters
#
# Creates (or reuses) .venv with any Python 3.11-3.13 (PYTHON=/path/to/python3.x to choose),
# installs requirements.txt (torch CPU, JupyterLab, jupyterlab-myst so exercises render) and
# gatebook in editable mode, and registers the kernel "gatebook" for this user. Run it again
# any time: it only installs what is missing. Windows: see README.md (pip/venv route).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$(date +%s)
# shellcheck source=scripts/setup-env.sh
source "$ROOT/scripts/setup-env.sh"
python -m ipykernel install --user --name gatebook --display-name "Python (gatebook)" >/dev/null
echo "==> ready in $(( $(date +%s) - start )) s: kernel 'Python (gatebook)' registered"
if [[ "${1:-}" == "--lab" ]]; then
    extra=()
    [[ "$(id -u)" == "0" ]] && extra=(--allow-root)
    exec jupyter lab "${extra[@]}" "$ROOT/chapters"
fi
echo "    open the chapters with:  source .venv/bin/activate && jupyter lab chapters/"
