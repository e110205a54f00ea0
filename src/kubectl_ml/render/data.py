"""Machine-readable output: the report envelope as JSON or YAML."""

from __future__ import annotations

import json
from typing import IO, Any


def render_json(document: dict[str, Any], stream: IO[str]) -> None:
    """Write the document as indented JSON."""
    json.dump(document, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def render_yaml(document: dict[str, Any], stream: IO[str]) -> None:
    """Write the document as block YAML, keys in contract order."""
    import yaml

    yaml.safe_dump(document, stream, sort_keys=False, allow_unicode=True, width=120)
