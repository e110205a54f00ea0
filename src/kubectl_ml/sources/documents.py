"""Reading YAML and JSON that may be hostile: bounded size, alias expansion and nesting depth.

Every file the plugin reads (manifests, snapshot files, kubeconfigs) comes through here, so that no
input can make it run for minutes or grow past a few hundred megabytes (issue 11):

* a file larger than its cap is refused before it is parsed (``MAX_MANIFEST_BYTES`` for manifests and
  kubeconfigs; snapshot files of a large cluster are legitimately big, and get ``MAX_SNAPSHOT_BYTES``);
* YAML aliases are counted as what they expand to: 526 bytes of nested ``&a [*b, *b, ...]`` anchors
  ("billion laughs") describe billions of values that any walk over the document visits; a document
  that expands past ``MAX_VALUES`` is refused, in milliseconds, from the parsed node graph;
* nesting deeper than ``MAX_DEPTH`` is refused: no Kubernetes object nests that deep (the deepest,
  CRD schemas, stay under 60), and deeper documents would exhaust Python's recursion in any walk.

A refusal is a SnapshotFormatError naming the file (exit 3), never a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kubectl_ml.errors import SnapshotFormatError, UnreadableFileError

MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024 * 1024
MAX_VALUES = 5_000_000
MAX_DEPTH = 200


def _refuse(label: Path | str, what: str) -> SnapshotFormatError:
    return SnapshotFormatError(
        f"File {label} {what}: refusing to read it.", "Check where the file came from.", words=f"{what}; refused"
    )


def check_size(label: Path | str, size: int, limit: int) -> None:
    """Refuse a file larger than ``limit`` bytes."""
    if size > limit:
        raise _refuse(label, f"is larger than the {limit // (1024 * 1024)} MiB allowed ({size:,} bytes)")


def _unreadable(path: Path, error: OSError, what: str = "File") -> UnreadableFileError:
    reason = error.strerror or str(error)
    return UnreadableFileError(
        f"{what} {path} cannot be read: {reason}.", f"Check its permissions (ls -ld {path}).", reason=reason
    )


def read_text(path: Path, limit: int, *, what: str = "File") -> str:
    """A file's text (undecodable bytes replaced), refused above ``limit`` bytes; errors name the file.

    Raises:
        UnreadableFileError: the file cannot be read (permissions, gone, an I/O error).
        SnapshotFormatError: it is larger than ``limit``.
    """
    try:
        size = path.stat().st_size
    except OSError as error:
        raise _unreadable(path, error, what) from error
    check_size(path, size, limit)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error, what) from error
    return decode_text(data, path)


def decode_text(data: bytes, label: Path | str) -> str:
    """A file's bytes as text: UTF-8 (a byte-order mark dropped, undecodable bytes replaced).

    Raises:
        SnapshotFormatError: UTF-16 or UTF-32 text (Windows editors save YAML so), named as such rather
            than as the NUL characters YAML would trip on.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        raise SnapshotFormatError(
            f"File {label} is UTF-16 (or UTF-32) text.",
            "Save it as UTF-8.",
            words="UTF-16 (or UTF-32) text, not UTF-8: save it as UTF-8",
        )
    return data.decode("utf-8-sig", errors="replace")


def files_under(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The regular files below ``root`` (sorted), and the folders that could not be listed, with why.

    ``Path.rglob`` passes over a folder it may not list without a word, which would make a check of
    what is left look complete. Symbolic links to folders are followed once (a link loop is not);
    FIFOs and devices are left out, since reading one could block forever.
    """
    files: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    seen: set[str] = set()

    def failed(error: OSError) -> None:
        unreadable.append((Path(error.filename or root), error.strerror or str(error)))

    for folder, folders, names in os.walk(root, onerror=failed, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        folders.sort()
        files.extend(path for path in (Path(folder) / name for name in names) if path.is_file())
    return sorted(files), sorted(unreadable)


def _check_node_graph(root: Any, label: Path | str) -> None:
    """Refuse a composed YAML document that expands past MAX_VALUES or nests past MAX_DEPTH.

    Iterative, with each node's expanded size and depth memoized by identity: an alias is the same node
    object as its anchor, so a bomb is measured in time linear in its text, not in its expansion.
    """
    import yaml

    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes and not children_done:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        if not children_done:
            if key in on_path:
                raise _refuse(label, "holds a YAML alias that refers to itself")
            on_path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        on_path.discard(key)
        size = 1 + sum(sizes.get(id(child), 1) for child in children)
        depth = 1 + max((depths.get(id(child), 1) for child in children), default=0)
        if size > MAX_VALUES:
            raise _refuse(label, f"expands to more than {MAX_VALUES:,} values (through YAML aliases)")
        if depth > MAX_DEPTH:
            raise _refuse(label, f"nests deeper than {MAX_DEPTH} levels")
        sizes[key], depths[key] = size, depth


def decode_json(body: bytes | str) -> Any:
    """A JSON answer from the network (API server, metrics-server, Prometheus, an exec plugin).

    Raises:
        ValueError: not JSON, not UTF-8, or nested past the decoder's limit (a RecursionError would
            otherwise escape every ``except ValueError`` that guards a decode).
    """
    try:
        return json.loads(body)
    except RecursionError as error:
        raise ValueError("JSON nested too deep") from error


def parse_json(text: str, label: Path | str) -> Any:
    """One JSON document; SnapshotFormatError with line and column, or for nesting past MAX_DEPTH."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotFormatError(
            f"File {label} is not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}.",
            "Re-capture it with kubectl get -o json, or remove it from the snapshot folder.",
            line=error.lineno,
            words=f"not valid JSON (column {error.colno}): {error.msg}",
        ) from error
    except RecursionError as error:
        # The decoder's own limit (about 1,000 levels). Below it, no walk of ours recurses over a whole
        # object without a bound of its own, so the cost of measuring every file's depth is not paid.
        raise _refuse(label, "nests too deep to read") from error
    return document


def yaml_format_error(path: Path | str, error: Exception, text: str | None = None) -> SnapshotFormatError:
    """The error for a YAML syntax error, naming the file and the line (and a tab as a tab, given the text)."""
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    # A ReaderError (a control character, bad UTF-8) has no mark and a two-line str(); one line it is.
    words = " ".join(str(getattr(error, "problem", None) or error).split())
    words = words.replace(' in "<unicode string>",', "").replace(' in "<byte string>",', "")
    if mark is not None and text is not None and _character_at(text, mark.line, mark.column) == "\t":
        # libyaml says "found character that cannot start any token" without naming it.
        words += " (a tab: YAML indents with spaces, never tabs)"
    return SnapshotFormatError(
        f"File {path} is not valid YAML{where}: {words.rstrip('.')}.",
        "Fix or remove the file.",
        line=mark.line + 1 if mark is not None else None,
        words=f"not valid YAML: {words.rstrip('.')}",
    )


def _character_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def parse_yaml(text: str, label: Path | str) -> list[tuple[Any, Any]]:
    """(document, node) pairs of a YAML stream (JSON is YAML), each checked before it is constructed.

    Raises:
        SnapshotFormatError: a syntax error (with file and line), or a document past the bounds.
    """
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    # Without an anchor there is no alias, so nothing expands; libyaml caps nesting at 1,000 levels and
    # no walk of ours over a document recurses without a bound of its own. Most manifests take this path.
    measure = "&" in text
    documents: list[tuple[Any, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if measure:
                _check_node_graph(node, label)
            documents.append((loader.construct_document(node), node))
    except yaml.YAMLError as error:
        raise yaml_format_error(label, error, text) from error
    except RecursionError as error:
        raise _refuse(label, f"nests deeper than {MAX_DEPTH} levels") from error
    finally:
        loader.dispose()
    return documents
