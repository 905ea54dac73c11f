#!/usr/bin/env bash
# Sets up the course environment, then opens it in JupyterLab; arguments go to jupyter lab.
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

setup_environment graphviz
root_flag=()
if is_root; then
  root_flag=(--allow-root)
fi
say "starting JupyterLab (stop it with Ctrl-C)"
exec "$VENV/bin/jupyter" lab "${root_flag[@]}" --ServerApp.root_dir="$REPO_ROOT" notebooks/index.ipynb "$@"
