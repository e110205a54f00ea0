"""``kubectl ml completion``: print the ``kubectl_complete-ml`` helper for installs that lack it.

kubectl (1.26+) completes ``kubectl ml …`` by running an executable named ``kubectl_complete-ml`` on the
PATH. ``install.sh`` writes it; krew and pipx cannot install a second executable (kubernetes-sigs/krew#812),
so this command prints it for the user to save next to ``kubectl-ml``.
"""

from __future__ import annotations

import shutil
import sys


def completion() -> None:
    """Print the kubectl_complete-ml script that lets kubectl complete `kubectl ml` (kubectl 1.26+).

    \b
    Examples:
      kubectl ml completion > ~/.local/bin/kubectl_complete-ml && chmod +x ~/.local/bin/kubectl_complete-ml
    """
    binary = shutil.which("kubectl-ml") or "kubectl-ml"
    sys.stdout.write(
        "#!/bin/sh\n"
        "# Completion for `kubectl ml …`: kubectl passes the words after the plugin name, the last one being\n"
        "# the word to complete; kubectl-ml answers one candidate per line and cobra's directive line.\n"
        f'exec "{binary}" __complete "$@"\n'
    )
