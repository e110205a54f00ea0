"""The Prometheus source's pure helpers: flags into headers and tokens, PromQL durations, the rate window."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_ml.sources.prometheus import (
    parse_headers,
    promql_duration,
    rate_window,
    redacted,
    scrape_interval,
    token_from,
)

TOKEN = "s3cr3t-t0ken-value"


def test_headers_are_parsed() -> None:
    assert parse_headers(["X-Scope-OrgID: tenant-a", "Authorization: Basic dXNlcjpwYXNz", "X-Empty:"]) == {
        "X-Scope-OrgID": "tenant-a",
        "Authorization": "Basic dXNlcjpwYXNz",
        "X-Empty": "",
    }


def test_token_from_a_file_or_an_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"  {TOKEN}\n", encoding="utf-8")
    assert token_from(str(path), None, {}) == TOKEN
    assert token_from(None, "PROMETHEUS_TOKEN", {"PROMETHEUS_TOKEN": TOKEN}) == TOKEN
    assert token_from(None, None, {"PROMETHEUS_TOKEN": TOKEN}) is None


@pytest.mark.parametrize(
    ("seconds", "literal"), [(604800, "7d"), (7200, "2h"), (300, "5m"), (90, "90s"), (1.5, "1500ms")]
)
def test_durations(seconds: float, literal: str) -> None:
    assert promql_duration(seconds) == literal


def test_redacted_keeps_everything_but_the_password() -> None:
    assert redacted("https://user:pw@prom.example.com:9443/prefix") == "https://user:***@prom.example.com:9443/prefix"
    assert redacted("http://prom:9090") == "http://prom:9090"


@pytest.mark.parametrize(
    ("spans", "interval"),
    [
        ([(1440, 86340.0), (40, 2340.0), (91, 10800.0)], 60.0),  # the median of 60, 60 and 120
        ([(91, 10800.0)], 120.0),
        ([(865, 259200.0)], 300.0),
        ([(1, 0.0), (0, 0.0)], 60.0),  # nothing to measure: Prometheus' default
        ([], 60.0),
    ],
)
def test_scrape_interval_is_the_median_time_between_samples(spans: list[tuple[float, float]], interval: float) -> None:
    assert scrape_interval(spans) == interval


@pytest.mark.parametrize(("interval", "window"), [(15, 300), (60, 300), (75, 300), (120, 480), (300, 1200)])
def test_rate_window_is_four_intervals_and_at_least_five_minutes(interval: float, window: float) -> None:
    assert rate_window(interval) == window
