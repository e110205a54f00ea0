from __future__ import annotations

from tests.support.fixtures import apiserver, kubeconfig

__all__ = ["apiserver", "kubeconfig"]
