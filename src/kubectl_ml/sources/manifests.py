"""Manifests not yet applied: files, folders (recursively) and ``-`` for standard input.

Multi-document YAML and JSON, single objects and Lists, read with the snapshot's parser so a syntax error
names the file and line the same way (exit 3).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_ml.errors import SnapshotFormatError, SourceError
from kubectl_ml.sources.documents import (
    MAX_MANIFEST_BYTES,
    check_size,
    decode_text,
    files_under,
    parse_json,
    parse_yaml,
    read_text,
)
from kubectl_ml.sources.snapshot import objects_in, parse_file

_SUFFIXES = (".yaml", ".yml", ".json")


def manifest_files(paths: Iterable[str], unreadable: list[UnreadableManifest] | None = None) -> list[Path]:
    """The files named, with folders expanded to their YAML/JSON files; ``-`` stays as it is.

    A folder that cannot be listed is added to ``unreadable`` when given, else it is the error: passing
    over it in silence would report the rest as all there is.
    """
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        try:
            path.stat()
        except FileNotFoundError:
            pass  # said below, with what to pass instead
        except OSError as error:  # e.g. a file in a folder we may not enter
            if unreadable is None:
                message = f"Cannot read {name}: {error.strerror or error}."
                raise SourceError(message, "Check the path and its permissions.") from error
            unreadable.append(UnreadableManifest(name, None, f"cannot be read ({error.strerror or error})"))
            continue
        if name == "-":
            files.append(path)
        elif path.is_dir():
            found, folders = files_under(path)
            for folder, reason in folders:
                if unreadable is None:
                    raise SourceError(f"Cannot read folder {folder}: {reason}.", "Check the path and its permissions.")
                unreadable.append(UnreadableManifest(f"{folder}/", None, f"folder cannot be listed ({reason})"))
            files.extend(item for item in found if item.suffix in _SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise SourceError(f"{name} does not exist.", "Name manifest files or folders, or - for standard input.")
    return files


def load_manifests(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Every API object in the files (Lists flattened), in file order: :func:`load_manifest_objects`'s objects."""
    return [item.object for item in load_manifest_objects(paths)]


@dataclass(frozen=True)
class ManifestObject:
    """An API object read from a manifest, with where it is.

    Attributes:
        object: the object.
        file: the file it came from (``-`` for standard input).
        line: the 1-based line where the object starts.
        lines: JSON path inside the object (``spec.containers[0].image``; keys that are not plain words as
            ``['nvidia.com/gpu']``) -> 1-based line of that key or list item.
    """

    object: dict[str, Any]
    file: str
    line: int
    lines: dict[str, int]


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _line_map(node: Any, path: str, line: int, lines: dict[str, int], depth: int = 0) -> None:
    """Record ``path`` at ``line`` and every path below ``node`` at the line of its key or list item.

    Fields nested deeper than any finding points at are left unmapped (a finding there takes its
    parent's line): the walk is bounded whatever the document's depth.
    """
    import yaml

    lines[path] = line
    if depth > 64:
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (f"{path}.{key}" if path else key) if _PLAIN_KEY.match(key) else f"{path}['{key}']"
            _line_map(value_node, child, key_node.start_mark.line + 1, lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, f"{path}[{index}]", item.start_mark.line + 1, lines, depth + 1)


def _located(obj: dict[str, Any], node: Any, label: str) -> ManifestObject:
    lines: dict[str, int] = {}
    line = node.start_mark.line + 1 if node is not None else 1
    if node is not None:
        _line_map(node, "", line, lines)
    return ManifestObject(obj, label, line, lines)


def read_manifest(text: str, label: str, problems: list[UnreadableManifest] | None = None) -> list[ManifestObject]:
    """The API objects of one file's text, each with its start line and the lines of its fields.

    Multi-document YAML, JSON, single objects and Lists (each item located where it starts). A syntax
    error raises SnapshotFormatError naming ``label`` and the line (exit 3). A JSON file is checked by the
    JSON parser first, so its error messages are JSON's. Documents that are no object (a list, a number)
    or a pod spec without ``kind`` are added to ``problems`` when given.
    """
    source = Path(label if label != "-" else "stdin.yaml")
    check_size(label, len(text.encode("utf-8", errors="replace")), MAX_MANIFEST_BYTES)
    if source.suffix == ".json":
        try:
            parse_file(source, text, MAX_MANIFEST_BYTES)  # JSON's own syntax errors, with line and column
        except SnapshotFormatError as error:
            message = error.message.replace(str(source), label, 1)
            raise SnapshotFormatError(message, "Fix the file.", line=error.line, words=error.words) from error
    try:
        pairs = parse_yaml(text, label)
    except SnapshotFormatError as yaml_error:
        if source.suffix != ".json" and text.lstrip()[:1] not in ("{", "["):
            raise
        # Valid JSON that YAML refuses (tabs, say), whatever the file is called: the objects without
        # field lines. Not JSON either: a .json file gets JSON's words for it, any other YAML's.
        try:
            pairs = [(parse_json(text, label), None)]
        except SnapshotFormatError:
            if source.suffix == ".json":
                raise
            raise yaml_error from None
    located: list[ManifestObject] = []
    for document, node in pairs:
        line = node.start_mark.line + 1 if node is not None else None
        if not isinstance(document, dict):
            if problems is not None and document is not None:
                what = "a list" if isinstance(document, list) else f"the {type(document).__name__} {document!r:.40}"
                problems.append(UnreadableManifest(label, line, f"a document that is {what}, not an object"))
            continue
        if problems is not None and not document.get("kind") and "containers" in str(document.get("spec"))[:100_000]:
            # A pod spec without kind is what a user meant to be linted; other kind-less YAML (values, a
            # config file) is not a manifest, and is passed over as kubectl would refuse it.
            problems.append(UnreadableManifest(label, line, "an object with containers but no kind"))
            continue
        if "items" in document and not isinstance(document["items"], list | None):
            line = node.start_mark.line + 1 if node is not None else 1
            raise SnapshotFormatError(
                f"File {label} (line {line}): items is not a list.",
                "Fix the file.",
                line=line,
                words="items is not a list",
            )
        nodes = {}
        if node is not None and isinstance(document.get("items"), list):
            items_node = next((value for key, value in node.value if key.value == "items"), None)
            if items_node is not None and hasattr(items_node, "value"):
                pairs_of_items = zip(document["items"], items_node.value, strict=False)
                nodes = {id(item): item_node for item, item_node in pairs_of_items}
        for obj in objects_in(document, source):
            located.append(_located(obj, nodes.get(id(obj), node if obj is document else None), label))
    return located


@dataclass(frozen=True)
class UnreadableManifest:
    """A file (or one document of it) that could not be linted, and why, in the parser's words.

    Attributes:
        file: the file (``-`` for standard input), or a chart's folder for its Helm templates.
        line: the 1-based line of the problem, when the parser says.
        words: what is wrong (``not valid YAML: found character '\\t' that cannot start any token``).
        hint: what to do instead, when there is a better way (``helm template CHART | kubectl ml lint -``).
        message: the parser's whole sentence (``File x is not valid YAML (line 7): ...``), for a command
            that reads one file and stops on it (``gpu -f``).
    """

    file: str
    line: int | None
    words: str
    hint: str | None = None
    message: str = ""

    @classmethod
    def from_error(cls, label: str, error: SnapshotFormatError) -> UnreadableManifest:
        """The entry for a file the parser (or the size and alias bounds) refused, in its words."""
        return cls(label, error.line, error.words, None, error.message)

    def note(self) -> str:
        """The ``skipped`` line: ``deploy/bad.yaml:7: not valid YAML: ...; not linted``."""
        name = "standard input" if self.file == "-" else self.file
        where = f"{name}:{self.line}" if self.line else name
        return f"{where}: {self.words}; not linted" + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True)
class ManifestSet:
    """What a set of manifest paths holds: the objects, and the files (or documents) that could not be read.

    Attributes:
        objects: every API object read, located, in file order.
        unreadable: what could not be read, in file order; the rest was still read.
        files: how many files were opened (standard input counts as one).
        excluded: how many files an exclude pattern left out.
    """

    objects: list[ManifestObject]
    unreadable: list[UnreadableManifest]
    files: int
    excluded: int = 0


# Helm's built-in objects and its own function: only a chart's templates name them. Rendered output may
# still hold other Go templates in its values (an Alertmanager template in a ConfigMap, Argo Workflows'
# {{inputs.parameters.x}}, a --log-format argument), so braces alone do not make a Helm template.
_HELM_OBJECT = re.compile(
    r"\{\{-?\s*[^}]*?(\.Values\b|\.Release\b|\.Chart\b|\.Capabilities\b|\.Files\b|\binclude\s+\")"
)
# Template actions at the start of a line (``{{- if .x }}``, ``{{ end }}``): in a file that YAML cannot
# parse, they say why.
_TEMPLATE_LINE = re.compile(r"^\s*\{\{-?\s*(if|else|end|range|with|define|template|include|block)\b", re.MULTILINE)
_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t]|$)", re.MULTILINE)


def helm_chart_of(path: Path) -> Path | None:
    """The chart folder (the one with ``Chart.yaml``) a file sits in, a few levels up; None outside a chart."""
    for parent in list(path.resolve().parents)[:4]:
        if (parent / "Chart.yaml").is_file():
            return parent
    return None


def _is_helm_template(text: str, path: Path) -> bool:
    """A chart's template: it names Helm's objects (``.Values``), or sits in a chart's ``templates/``."""
    if "{{" not in text:
        return False
    return bool(_HELM_OBJECT.search(text)) or (path.parent.name == "templates" and helm_chart_of(path) is not None)


def _helm_entry(path: Path, label: str) -> UnreadableManifest:
    chart = helm_chart_of(path) if label != "-" else None
    hint = f"helm template {chart or 'CHART'} | kubectl ml lint -"
    return UnreadableManifest(label, None, "a Helm template ({{ }} placeholders), not a manifest yet", hint)


def _by_document(text: str, label: str) -> tuple[list[ManifestObject], list[UnreadableManifest]]:
    """Each YAML document of the text read on its own, so one broken document hides only itself.

    A document marker (``---`` or ``...`` at the start of a line) ends any YAML node, so cutting there is
    what the parser would do; each piece is padded with the lines before it to keep its line numbers.
    """
    starts = [0, *(match.start() for match in _DOCUMENT_MARKER.finditer(text) if match.start() > 0)]
    objects: list[ManifestObject] = []
    unreadable: list[UnreadableManifest] = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        piece = "\n" * text.count("\n", 0, start) + text[start:end]
        try:
            objects.extend(read_manifest(piece, label, unreadable))
        except SnapshotFormatError as error:
            unreadable.append(UnreadableManifest.from_error(label, error))
    return objects, unreadable


def _read_one(path: Path, label: str, text: str | None) -> tuple[list[ManifestObject], list[UnreadableManifest]]:
    """The objects of one file, or why it (or which of its documents) could not be read."""
    try:
        if text is None:
            text = read_text(path, MAX_MANIFEST_BYTES)
        else:
            check_size(label, len(text.encode("utf-8", errors="replace")), MAX_MANIFEST_BYTES)
    except SnapshotFormatError as error:  # unreadable (permissions, gone) or too large
        return [], [UnreadableManifest.from_error(label, error)]
    if _is_helm_template(text, path):
        return [], [_helm_entry(path, label)]
    problems: list[UnreadableManifest] = []
    try:
        return read_manifest(text, label, problems), problems
    except SnapshotFormatError as error:
        if _TEMPLATE_LINE.search(text):  # a Go template that YAML cannot parse: say that, not the YAML error
            return [], [_helm_entry(path, label)]
        if path.suffix == ".json" or label.endswith(".json"):
            return [], [UnreadableManifest.from_error(label, error)]
        return _by_document(text, label)


def read_manifest_set(paths: Iterable[str], exclude: Callable[[Path], bool] | None = None) -> ManifestSet:
    """Every API object in the files named (folders searched, ``-`` for stdin), and what could not be read.

    The one loader of manifests (``lint``, ``gpu -f``): a file that cannot be read, a YAML or JSON syntax
    error (in one document of a stream, only that document), a document past the size and alias bounds
    and a Helm template are each one entry of ``unreadable``, and the rest is read. A folder that cannot
    be listed is one entry too.

    ``exclude`` leaves out files (a config file's ``exclude`` patterns); they are counted, not read.

    Raises:
        SourceError: a path that does not exist (what was typed is wrong; nothing is read).
    """
    objects: list[ManifestObject] = []
    unreadable: list[UnreadableManifest] = []
    files = excluded = 0
    for path in manifest_files(paths, unreadable):
        if exclude is not None and str(path) != "-" and exclude(path):
            excluded += 1
            continue
        files += 1
        text = None
        if str(path) == "-":
            # Bytes, decoded as files are: a terminal's locale must not decide (Latin-1 or UTF-16 input).
            stream = getattr(sys.stdin, "buffer", None)  # None when stdin was replaced by a text stream
            data = stream.read(MAX_MANIFEST_BYTES + 1) if stream else sys.stdin.read(MAX_MANIFEST_BYTES + 1).encode()
            try:
                text = decode_text(data, "standard input")
            except SnapshotFormatError as error:
                unreadable.append(UnreadableManifest.from_error("-", error))
                continue
        found, problems = _read_one(path, str(path), text)
        objects.extend(found)
        unreadable.extend(problems)
    return ManifestSet(objects, unreadable, files, excluded)


def load_manifest_objects(paths: Iterable[str]) -> list[ManifestObject]:
    """Every API object in the files, located; the first file that cannot be read is the error (``gpu -f``)."""
    found = read_manifest_set(paths)
    if found.unreadable:
        problem = found.unreadable[0]
        name = "standard input" if problem.file == "-" else problem.file
        message = problem.message.replace("File - ", "Standard input ") or f"Cannot read {name}: {problem.words}."
        hint = problem.hint.replace("kubectl ml lint -", "kubectl ml gpu -f -") if problem.hint else None
        raise SnapshotFormatError(message, hint or "Fix the file.")
    return found.objects
