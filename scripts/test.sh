#!/usr/bin/env bash
# Sets up everything the tests need, then runs pytest; arguments go to pytest.
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

setup_environment graphviz chromium npm
say "running pytest${*:+ $*}"
exec "$VENV/bin/python" -m pytest "$@"
