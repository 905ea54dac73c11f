# shellcheck shell=bash
# Shared set-up for scripts/test.sh and scripts/lab.sh; source it, then call setup_environment.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$REPO_ROOT/.venv"
EXTRAS="lab,test"
STAMP="$VENV/.autograd-lab-installed"
APT_UPDATED=""

say() { printf '==> %s\n' "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

is_root() { [ "$EUID" -eq 0 ]; }

can_sudo() { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }

as_root() {
  if is_root; then
    "$@"
  else
    sudo -n "$@"
  fi
}

check_python() {
  command -v python3 >/dev/null 2>&1 || die "python3 not found; install Python 3.10 or newer"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
    die "Python 3.10 or newer is needed, python3 is $(python3 --version 2>&1)"
}

venv_ready() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; }

venv_supported() { python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }

find_chromium() {
  local candidate path
  for candidate in "${AUTOGRAD_LAB_CHROMIUM:-}" /usr/bin/chromium chromium chromium-browser; do
    if [ -n "$candidate" ] && path=$(command -v "$candidate" 2>/dev/null); then
      printf '%s\n' "$path"
      return 0
    fi
  done
  return 1
}

has_tool() {
  case $1 in
    graphviz) command -v dot >/dev/null 2>&1 ;;
    chromium) find_chromium >/dev/null ;;
    npm) command -v npm >/dev/null 2>&1 ;;
  esac
}

missing_packages() {
  local tool
  if ! venv_ready && ! venv_supported; then
    echo python3-venv
  fi
  for tool in "$@"; do
    has_tool "$tool" || echo "$tool"
  done
}

apt_get() {
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/autograd-lab-apt.XXXXXX")
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$log" 2>&1 </dev/null; then
    rm -f "$log"
    return 0
  fi
  tail -n 15 "$log" >&2
  printf '(full apt-get output: %s)\n' "$log" >&2
  return 1
}

apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    say "updating package lists (apt-get update)"
    apt_get update || return 1
    APT_UPDATED=1
  fi
  say "installing $* (apt-get)"
  apt_get install -y --no-install-recommends "$@"
}

install_chromium() {
  if apt_install chromium && find_chromium >/dev/null; then
    return 0
  fi
  die "could not install Chromium with apt-get. On Ubuntu, Chromium is a snap: run
    sudo snap install chromium
(or set AUTOGRAD_LAB_CHROMIUM=/path/to/chromium) and run this script again."
}

ensure_system_packages() {
  local -a missing others=()
  local pkg
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  if ! is_root && ! can_sudo; then
    die "missing system packages: ${missing[*]}. Install them with
    sudo apt-get install -y ${missing[*]}
and run this script again."
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "missing system packages: ${missing[*]}; install them with your package manager"
  for pkg in "${missing[@]}"; do
    [ "$pkg" = chromium ] || others+=("$pkg")
  done
  if [ "${#others[@]}" -gt 0 ]; then
    apt_install "${others[@]}" || die "apt-get could not install ${others[*]}"
  fi
  if [[ " ${missing[*]} " == *" chromium "* ]]; then
    install_chromium
  fi
}

install_stamp() { printf '%s %s\n' "$EXTRAS" "$(sha256sum <"$REPO_ROOT/pyproject.toml")"; }

ensure_venv() {
  if ! venv_ready; then
    rm -rf "$VENV"
    say "creating virtualenv .venv ($(python3 --version 2>&1))"
    python3 -m venv "$VENV" || die "python3 -m venv failed; install python3-venv (for example python3.$(python3 -c 'import sys; print(sys.version_info[1])')-venv)"
  fi
  if [ "$(cat "$STAMP" 2>/dev/null)" != "$(install_stamp)" ]; then
    rm -f "$STAMP"
    say "installing autograd-lab into .venv (pip install -e \".[$EXTRAS]\"; a few minutes the first time)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --editable "${REPO_ROOT}[${EXTRAS}]" || die "pip install failed"
    install_stamp >"$STAMP"
  fi
}

# Usage: setup_environment TOOL...   (TOOL: graphviz, chromium, npm)
setup_environment() {
  cd "$REPO_ROOT" || die "cannot cd to $REPO_ROOT"
  venv_ready || check_python
  ensure_system_packages "$@"
  ensure_venv
  if [[ " $* " == *" chromium "* ]]; then
    AUTOGRAD_LAB_CHROMIUM=$(find_chromium)
    export AUTOGRAD_LAB_CHROMIUM
  fi
  say "environment ready (.venv, $(dot -V 2>&1)${AUTOGRAD_LAB_CHROMIUM:+, chromium at $AUTOGRAD_LAB_CHROMIUM})"
}
