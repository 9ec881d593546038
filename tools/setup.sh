#!/usr/bin/env bash
# Sightline set-up for a fresh Debian 12 / Ubuntu machine. The README's two uses, and a third:
#   bash tools/setup.sh demo   install, then run the bundled demo (window or headless)
#   bash tools/setup.sh test   install with the test tools, then run the test suite
#   bash tools/setup.sh lock   refresh constraints.txt: the newest versions setup.cfg
#                              allows, resolved in a fresh environment (then run `test`
#                              and commit constraints.txt if it passes)
# It installs the system GL libraries that offscreen rendering needs (with sudo when not
# root, or names them if it cannot), makes a virtual environment in .venv and installs
# Sightline into it, pinned to constraints.txt (the versions last tested). Extra arguments
# go to `sightline demo` or to pytest.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  demo|test|lock) shift ;;
  *) echo "usage: bash tools/setup.sh demo|test|lock [ARGS...]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# -- system packages ------------------------------------------------------------------
packages=(libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri graphviz libxrandr2 libxinerama1)  # graphviz: `sightline graph`; libxrandr2 libxinerama1: `sightline displays`
# the tests also drive a real window: a virtual X server and a mouse/keyboard robot
[ "$mode" = test ] && packages+=(xvfb xauth xdotool)
[ "$mode" = test ] && packages+=(postgresql)  # the records tests start their own server
[ "$mode" = test ] && packages+=(mosquitto)  # the lanes tests start their own broker
[ "$mode" = test ] && packages+=(espeak-ng)  # spoken test phrases: voice tests, bench speech
# and look at the after-action report in a real browser (Debian's chromium is a real
# package; Ubuntu's is a snap shim, so there the browser check is skipped, saying so)
if [ "$mode" = test ] && grep -qx 'ID=debian' /etc/os-release 2>/dev/null; then
  packages+=(chromium chromium-driver)  # chromium-driver: Selenium's browser tests
fi
python_ok=1
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  python_ok=0
  packages+=(python3 python3-venv)
fi
"$PY" -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)
missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else SUDO=(none); fi
  if [ "${SUDO[0]:-}" = none ] || ! command -v apt-get >/dev/null; then
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$python_ok" = 0 ] && ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "setup: Sightline needs Python 3.11 or newer; $("$PY" --version 2>&1 || echo 'no python3') found" >&2
  exit 1
fi

# -- the lock file ---------------------------------------------------------------------
if [ "$mode" = lock ]; then
  fresh="$(mktemp -d)"
  trap 'rm -rf "$fresh"' EXIT
  say "resolving the newest allowed versions in a fresh environment"
  "$PY" -m venv "$fresh/venv"
  "$fresh/venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]"
  {
    grep '^#' constraints.txt 2>/dev/null || true  # keep the file's header
    "$fresh/venv/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check
  } >"$fresh/constraints.txt"
  mv "$fresh/constraints.txt" constraints.txt
  say "wrote constraints.txt; now run: bash tools/setup.sh test (and commit it if it passes)"
  exit 0
fi

# -- virtual environment ---------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
extra=""
[ "$mode" = test ] && extra="[test]"
say "installing Sightline${extra} into .venv"
# -c: the versions in constraints.txt, the ones the tests last passed with
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".${extra}"

# -- run ------------------------------------------------------------------------------
if [ "$mode" = demo ]; then
  say "running the demo: sightline demo $*"
  exec .venv/bin/sightline demo "$@"
fi
say "running the tests"
exec .venv/bin/python -m pytest "$@"
