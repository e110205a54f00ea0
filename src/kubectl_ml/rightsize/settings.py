"""Recommendation settings: the rule of thumb users know, and named variations of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RightsizeSettings:
    """How usage becomes requests and limits (DESIGN §5).

    Attributes:
        request_quantile: request = this quantile of usage (P50).
        limit_quantile: limit = this quantile of usage ...
        limit_margin: ... times (1 + margin) (P99 + 20%).
        window_seconds: the usage window (``--window``, 7 days).
        min_history_seconds: less history than this earns a note (``--min-history``, 24 h).
        min_samples: fewer memory samples than this earns a note.
        oom_bump: a container OOM-killed in the window gets at least its old limit times this.
    """

    request_quantile: float = 0.5
    limit_quantile: float = 0.99
    limit_margin: float = 0.2
    window_seconds: float = 7 * 86400
    min_history_seconds: float = 86400
    min_samples: int = 60
    oom_bump: float = 1.2


# Named sets for --profile: (request quantile, limit quantile, limit margin).
PROFILES: dict[str, tuple[float, float, float]] = {
    # The rule of thumb: half the time below the request, limit above nearly every peak.
    "balanced": (0.5, 0.99, 0.2),
    # Latency-sensitive serving: request near the busy hours, more headroom above the peaks.
    "serving": (0.9, 0.99, 0.3),
    # Batch and training jobs where packing matters more than headroom.
    "cost": (0.5, 0.95, 0.1),
}
