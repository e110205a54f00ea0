#!/usr/bin/env bash
# Run every check and test, installing what they need first: a project virtualenv with the test
# extras, kubectl (for plugin discovery tests) and Prometheus (for rightsize) when absent.
# The same script runs locally and in CI (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    [ -n "${apt_updated:-}" ] || { apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "error: $* missing and cannot be installed without root/apt-get" >&2
    exit 1
  fi
}
command -v kubectl >/dev/null || apt_install kubernetes-client
command -v promtool >/dev/null || apt_install prometheus
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[test]'

# One command per line: under `set -e`, a failure inside an `a && b` list does not stop the script.
echo "== ruff"
.venv/bin/ruff check src tests scripts
.venv/bin/ruff format --check src tests scripts
echo "== mypy"
.venv/bin/mypy
echo "== import layers"
.venv/bin/lint-imports
echo "== dead code"
.venv/bin/vulture
echo "== pytest"
.venv/bin/pytest "$@"
