#!/usr/bin/env bash
# Sets up everything the tests need, then runs pytest over tests/ and, with nbval, over the course
# notebooks; arguments go to pytest.
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

# nbval validates the course notebooks (notebooks/*.ipynb) and the exercises' instructor sources
# (exercises/source: the solutions pass their own checks) in the same run. Released exercises raise
# "not answered yet" by design; tests/grading runs them solved in a kernel instead. Test artefacts
# are not nbval tests. A plain `pytest tests/...` runs without nbval.
NBVAL_OPTIONS=(--nbval --nbval-current-env --nbval-cell-timeout=60 --nbval-sanitize-with=notebooks/sanitize.cfg
               "--ignore-glob=tests/*.ipynb" "--ignore-glob=exercises/release/*.ipynb")

setup_environment graphviz chromium npm
say "running pytest${*:+ $*}"
exec "$VENV/bin/python" -m pytest "${NBVAL_OPTIONS[@]}" "$@"
