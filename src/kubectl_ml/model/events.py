"""Events in both API shapes, read the same way.

core/v1 events carry ``involvedObject``, ``count``, ``firstTimestamp``/``lastTimestamp`` and ``source``.
events.k8s.io/v1 events (the scheduler's, and every event seen through that API) carry ``regarding``,
``series`` and ``eventTime``; seen through core/v1 they have ``lastTimestamp: null``, ``count`` 0 or
absent and an empty ``source``. Messages may start with the correlator's
``(combined from similar events): `` prefix, or (when pasted from kubectl 1.35+) a field path such as
``spec.containers{trainer}: ``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

COMBINED_PREFIX = "(combined from similar events): "
_FIELD_PATH_PREFIX = re.compile(r"^spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]*\}: ")
_CONTAINER_IN_FIELD_PATH = re.compile(r"spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]*)\}")


def parse_time(value: object) -> datetime | None:
    """Parse an RFC 3339 API timestamp (``2024-05-01T10:00:00Z`` or with microseconds)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Event:
    """One event, normalized from either API shape.

    Attributes:
        name: ``metadata.name`` (stable; ``kubectl get event NAME`` shows it).
        type: ``Normal`` or ``Warning``.
        reason: e.g. ``FailedScheduling``, ``Failed``, ``BackOff``.
        message: the message with the aggregation prefix removed (what rules parse).
        raw_message: the message exactly as the API returned it (what evidence quotes).
        count: how many times it happened (``series.count`` or ``count``, at least 1).
        last_seen: the newest of ``series.lastObservedTime``, ``lastTimestamp``, ``eventTime``.
        component: ``source.component`` or ``reportingComponent``/``reportingController``.
        object_uid, object_kind, object_name, namespace: what it is about.
        container: the container named in ``fieldPath``, if any.
    """

    name: str
    type: str
    reason: str
    message: str
    count: int
    last_seen: datetime | None
    first_seen: datetime | None
    component: str
    object_uid: str
    object_kind: str
    object_name: str
    namespace: str
    container: str | None
    raw_message: str = ""

    @property
    def path(self) -> str:
        """The evidence path of this event's message."""
        return f"events/{self.name}.message"


def clean_message(message: str) -> str:
    """Strip the correlator's aggregation prefix and a kubectl 1.35 field-path prefix."""
    text = message.strip()
    if text.startswith(COMBINED_PREFIX):
        text = text[len(COMBINED_PREFIX) :]
    return _FIELD_PATH_PREFIX.sub("", text, count=1)


def normalize_event(raw: dict[str, Any]) -> Event:
    """Read an event dict of either shape into an :class:`Event`."""
    regarding = raw.get("involvedObject") or raw.get("regarding") or {}
    series = raw.get("series") or {}
    metadata = raw.get("metadata") or {}
    count = series.get("count") or raw.get("count") or raw.get("deprecatedCount") or 1
    candidates = [
        parse_time(series.get("lastObservedTime")),
        parse_time(raw.get("lastTimestamp")),
        parse_time(raw.get("eventTime")),
        parse_time(raw.get("deprecatedLastTimestamp")),
    ]
    times = [moment for moment in candidates if moment is not None]
    first = (
        parse_time(raw.get("firstTimestamp"))
        or parse_time(raw.get("deprecatedFirstTimestamp"))
        or parse_time(raw.get("eventTime"))
    )
    source = raw.get("source") or raw.get("deprecatedSource") or {}
    component = source.get("component") or raw.get("reportingComponent") or raw.get("reportingController") or ""
    field_path = regarding.get("fieldPath") or ""
    container_match = _CONTAINER_IN_FIELD_PATH.search(field_path)
    message = raw.get("message") if raw.get("message") is not None else raw.get("note")
    return Event(
        name=str(metadata.get("name") or ""),
        type=str(raw.get("type") or "Normal"),
        reason=str(raw.get("reason") or ""),
        message=clean_message(str(message or "")),
        count=int(count),
        last_seen=max(times) if times else None,
        first_seen=first,
        component=str(component),
        object_uid=str(regarding.get("uid") or ""),
        object_kind=str(regarding.get("kind") or ""),
        object_name=str(regarding.get("name") or ""),
        namespace=str(regarding.get("namespace") or metadata.get("namespace") or ""),
        container=container_match.group(1) if container_match else None,
        raw_message=str(message or ""),
    )


def newest_first(events: list[Event]) -> list[Event]:
    """Sort events newest first; events without any timestamp go last."""
    floor = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(events, key=lambda event: event.last_seen or floor, reverse=True)
