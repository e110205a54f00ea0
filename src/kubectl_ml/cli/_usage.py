"""Build rightsize's settings and its usage source from the flags."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kubectl_ml.errors import SourceError, UsageError
from kubectl_ml.rightsize.settings import PROFILES, RightsizeSettings
from kubectl_ml.sources.base import Source, UsageSource


def settings_from(
    profile: str | None,
    request_quantile: float | None,
    limit_quantile: float | None,
    limit_margin: float | None,
    window_seconds: float,
    min_history_seconds: float,
) -> RightsizeSettings:
    """The profile's figures (balanced by default), overridden by explicit flags."""
    if window_seconds <= 0:
        raise UsageError("--window must be longer than 0.", "Use a duration such as 24h or 7d.")
    if profile is not None and profile not in PROFILES:
        raise UsageError(f"unknown --profile {profile!r}", f"Use one of: {', '.join(PROFILES)}.")
    request, limit, margin = PROFILES[profile or "balanced"]
    settings = RightsizeSettings(
        request_quantile=request if request_quantile is None else request_quantile,
        limit_quantile=limit if limit_quantile is None else limit_quantile,
        limit_margin=margin if limit_margin is None else limit_margin,
        window_seconds=window_seconds,
        min_history_seconds=min_history_seconds,
    )
    if settings.request_quantile > settings.limit_quantile:
        raise UsageError(
            "--request-quantile is above --limit-quantile.", "The request quantile must not exceed the limit's."
        )
    return settings


def open_usage_source(
    name: str,
    objects: Source,
    snapshot: str | None,
    prometheus: str | None,
    headers: list[str],
    token_file: str | None,
    token_env: str | None,
    sample_for_seconds: float,
    environ: Mapping[str, str],
    request_timeout: float | None = None,
) -> UsageSource:
    """The usage source the flags ask for.

    ``auto``: ``--prometheus`` when given; else a snapshot's ``metrics.om``; else the in-cluster Prometheus
    through the API server's service proxy. ``request_timeout`` (``--request-timeout``) bounds each
    Prometheus request too (``0.0``: no timeout); None (not given), Prometheus' own query timeout (2 minutes)
    is waited for.
    """
    if name == "auto":
        if prometheus:
            name = "prometheus"
        elif snapshot:
            name = "snapshot"
        else:
            name = "prometheus"
    if name == "snapshot":
        if not snapshot:
            raise UsageError("--source snapshot needs --snapshot DIR.", None)
        from kubectl_ml.sources.metrics_file import MetricsFileSource

        metrics = Path(snapshot) / "metrics.om"
        if not metrics.is_file():
            raise SourceError(
                f"The snapshot {snapshot} has no metrics.om.",
                "Pass --prometheus URL for usage (objects still come from the snapshot).",
            )
        return MetricsFileSource(metrics)
    if name == "metrics-server":
        if snapshot:
            raise UsageError("--source metrics-server samples a live cluster; it cannot be used with --snapshot.", None)
        from kubectl_ml.sources.metrics_server import MetricsServerSource

        return MetricsServerSource(objects, sample_for=sample_for_seconds)
    from kubectl_ml.sources.prometheus import PrometheusSource, RequestsHttp, parse_headers, redacted, token_from

    if prometheus:
        token = token_from(token_file, token_env, environ)
        http = (
            RequestsHttp(prometheus, parse_headers(headers), token)
            if request_timeout is None
            else RequestsHttp(prometheus, parse_headers(headers), token, timeout=request_timeout or None)
        )
        return PrometheusSource(http, description={"type": "prometheus", "url": redacted(prometheus)})
    if snapshot:
        raise SourceError("No usage source for a snapshot without metrics.om.", "Pass --prometheus URL.")
    from kubectl_ml.sources.prometheus_proxy import in_cluster_prometheus

    return in_cluster_prometheus(objects)
