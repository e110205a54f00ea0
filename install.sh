#!/usr/bin/env bash
# Install kubectl-ml into an isolated virtual environment, put `kubectl-ml` (and the completion
# helper `kubectl_complete-ml`) on the PATH, and show the demo on the bundled snapshot.
#
#   ./install.sh            install and run the demo
#   ./install.sh --no-demo  install only
#
# Environment: KUBECTL_ML_HOME (default ~/.local/share/kubectl-ml), KUBECTL_ML_BIN (default
# /usr/local/bin when writable, else ~/.local/bin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${KUBECTL_ML_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/kubectl-ml}"
if [ -n "${KUBECTL_ML_BIN:-}" ]; then
  bin="$KUBECTL_ML_BIN"
elif [ -w /usr/local/bin ]; then
  bin=/usr/local/bin
else
  bin="$HOME/.local/bin"
fi
demo=1
[ "${1:-}" = "--no-demo" ] && demo=0

python="$(command -v python3 || true)"
if [ -z "$python" ] || ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing python3 and python3-venv with apt-get…" >&2
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
    python="$(command -v python3)"
  else
    echo "error: kubectl-ml needs Python 3.10+ with venv (Debian: apt-get install python3-venv)." >&2
    exit 1
  fi
fi

# Absolute paths: the symlink and the completion shim must not depend on the current folder.
mkdir -p "$home" "$bin"
home="$(cd "$home" && pwd)"
bin="$(cd "$bin" && pwd)"

echo "Creating the environment in $home…" >&2
"$python" -m venv --clear "$home/venv"
# No `pip install --upgrade pip` first: the pip that venv bundles builds this project, and upgrading
# needs the network (an install from a wheel mirror or offline cache would fail on it).
"$home/venv/bin/python" -m pip install --quiet "$here"

ln -sf "$home/venv/bin/kubectl-ml" "$bin/kubectl-ml"
# kubectl >= 1.26 asks `kubectl_complete-ml` to complete `kubectl ml …` (kubernetes/kubernetes#105867).
# The shim names the installed binary by its full path, so it works whatever else is on the PATH.
cat > "$bin/kubectl_complete-ml" <<SHIM
#!/bin/sh
# Completion for \`kubectl ml …\`: kubectl passes the words after the plugin name, the last one being
# the word to complete (empty for a new word); kubectl-ml answers one candidate per line and cobra's
# directive line (:4 no file names, :16 folders).
exec "$home/venv/bin/kubectl-ml" __complete "\$@"
SHIM
chmod +x "$bin/kubectl_complete-ml"

case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "note: add $bin to your PATH (e.g. export PATH=\"$bin:\$PATH\")." >&2 ;;
esac
echo "Installed: $("$bin/kubectl-ml" version --client)" >&2
if command -v kubectl >/dev/null; then
  # kubectl runs the first kubectl-ml on the PATH. `kubectl plugin list` exits 1 when it has warnings
  # (such as another kubectl-ml shadowed by ours), so its status is not the answer: its output is.
  other="$(command -v kubectl-ml || true)"
  if [ -n "$other" ] && [ "$other" != "$bin/kubectl-ml" ]; then
    echo "warning: $other comes before $bin on the PATH; kubectl runs that one." >&2
  elif { PATH="$bin:$PATH" kubectl plugin list 2>/dev/null || true; } | grep -qF "$bin/kubectl-ml"; then
    echo "kubectl finds the plugin: try 'kubectl ml --help'." >&2
  fi
fi

if [ "$demo" = 1 ] && [ -d "$here/fixtures/demo" ]; then
  echo >&2
  echo "Demo: kubectl ml doctor -A --snapshot fixtures/demo" >&2
  echo >&2
  "$bin/kubectl-ml" doctor -A --snapshot "$here/fixtures/demo" --fail-on never
  # One line on what the demo holds, so that a newcomer knows what to try next.
  "$home/venv/bin/python" - "$here/fixtures/demo" >&2 <<'PY'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
parts = [f"{folder.name} ({len(json.loads((folder / 'pods.json').read_text())['items'])} pods)"
         for folder in sorted(root.iterdir()) if (folder / "pods.json").is_file()]
print("The demo cluster: namespaces " + ", ".join(parts) + ". Every command reads it with --snapshot fixtures/demo,"
      " e.g. kubectl ml doctor bert-finetune-0-5lpgp -n ml-training --snapshot fixtures/demo")
PY
fi
