"""kubectl-ml: a kubectl plugin for machine-learning workloads on Kubernetes."""

from __future__ import annotations

__version__ = "0.1.0"
