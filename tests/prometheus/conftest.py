from __future__ import annotations

from tests.support.prometheus import prometheus, prometheus_history

__all__ = ["prometheus", "prometheus_history"]
