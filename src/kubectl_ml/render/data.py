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


def manifests_text(objects: list[dict[str, Any]], output: str) -> str:
    """Manifests as ``kubectl apply -f`` reads them: YAML documents joined by ``---``, or JSON (a ``List``)."""
    if output == "json":
        document = objects[0] if len(objects) == 1 else {"apiVersion": "v1", "kind": "List", "items": objects}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # a value used twice is written twice, never as &id001/*id001

    return "---\n".join(
        yaml.dump(item, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120) for item in objects
    )
