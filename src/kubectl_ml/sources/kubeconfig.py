"""Read kubeconfig files the way kubectl does.

``--kubeconfig`` names one file and nothing is merged. Otherwise ``KUBECONFIG`` lists files separated by
``os.pathsep``; they are merged so that the first file to set a value wins, including
``current-context`` (the Python client lets the last file win: kubernetes-client/python#2386), and a
named cluster, user or context is taken whole from the first file that defines it. Relative
certificate paths are resolved against the file that names them, as kubectl does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kubectl_ml.errors import ConfigError, SnapshotFormatError, UnreadableFileError
from kubectl_ml.sources.documents import MAX_MANIFEST_BYTES, parse_yaml, read_text

_PATH_KEYS = {
    "clusters": ("certificate-authority",),
    "users": ("client-certificate", "client-key", "tokenFile"),
}


def candidate_files(explicit: str | None, environ: Mapping[str, str]) -> list[Path]:
    """The kubeconfig files to read, in priority order."""
    if explicit:
        return [Path(explicit).expanduser()]
    value = environ.get("KUBECONFIG", "")
    if value:
        return [Path(item).expanduser() for item in value.split(os.pathsep) if item]
    return [Path(environ.get("HOME", str(Path.home()))) / ".kube" / "config"]


def _absolutize(section: str, entry: dict[str, Any], base: Path) -> dict[str, Any]:
    body_key = {"clusters": "cluster", "users": "user"}.get(section)
    if not body_key or not isinstance(entry.get(body_key), dict):
        return entry
    body = dict(entry[body_key])
    for key in _PATH_KEYS[section]:
        value = body.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            body[key] = str((base / value).resolve())
    plugin = body.get("exec")
    command = plugin.get("command") if isinstance(plugin, dict) else None
    if isinstance(plugin, dict) and isinstance(command, str) and os.sep in command and not os.path.isabs(command):
        # client-go: an exec command with a path separator is relative to the kubeconfig's folder.
        body["exec"] = {**plugin, "command": str((base / command).resolve())}
    return {**entry, body_key: body}


# The kubeconfig fields (client-go's clientcmd/api/v1 types) the plugin reads, by the type kubectl demands.
_STRING_FIELDS = {
    "cluster": (
        "server",
        "certificate-authority",
        "certificate-authority-data",
        "tls-server-name",
        "proxy-url",
    ),
    "user": (
        "client-certificate",
        "client-certificate-data",
        "client-key",
        "client-key-data",
        "token",
        "tokenFile",
        "as",
        "as-uid",
        "username",
        "password",
    ),
    "context": ("cluster", "user", "namespace"),
}
_BOOLEAN_FIELDS = {"cluster": ("insecure-skip-tls-verify", "disable-compression"), "user": (), "context": ()}
_MAPPING_FIELDS = {"cluster": (), "user": ("exec", "auth-provider", "as-user-extra"), "context": ()}


def _check_entry_body(body: Mapping[str, Any], where: str, inner: str, path: Path) -> None:
    for key, value in body.items():
        wanted: tuple[type, ...] | None = None
        if key in _STRING_FIELDS[inner]:
            wanted, name = (str,), "a string"
        elif key in _BOOLEAN_FIELDS[inner]:
            wanted, name = (bool,), "true or false"
        elif key in _MAPPING_FIELDS[inner]:
            wanted, name = (dict,), "a mapping"
        if wanted is not None and value is not None and not isinstance(value, wanted):
            raise ConfigError(f"kubeconfig {path}: {where}.{key} must be {name}, not {_type_name(value)}.", None)
    groups = body.get("as-groups")
    if groups is not None and not (isinstance(groups, list) and all(isinstance(item, str) for item in groups)):
        raise ConfigError(f"kubeconfig {path}: {where}.as-groups must be a list of strings.", None)
    plugin = body.get("exec")
    if isinstance(plugin, dict):
        command, arguments, environment = plugin.get("command"), plugin.get("args"), plugin.get("env")
        if not isinstance(command, str) or not command:
            raise ConfigError(f"kubeconfig {path}: {where}.exec.command must be a non-empty string.", None)
        if arguments is not None and not (
            isinstance(arguments, list) and all(isinstance(item, str) for item in arguments)
        ):
            raise ConfigError(f"kubeconfig {path}: {where}.exec.args must be a list of strings.", None)
        if environment is not None and not (
            isinstance(environment, list)
            and all(
                isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str)
                for item in environment
            )
        ):
            raise ConfigError(f"kubeconfig {path}: {where}.exec.env must be a list of name/value strings.", None)


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "a mapping" if isinstance(value, dict) else type(value).__name__
    )


def _check_shape(document: Mapping[str, Any], path: Path) -> None:
    """ConfigError for the fields kubectl itself would refuse: a wrong type is named, never a traceback."""
    current = document.get("current-context")
    if current is not None and not isinstance(current, str):
        raise ConfigError(f"kubeconfig {path}: current-context must be a string, not {_type_name(current)}.", None)
    for section, inner in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
        entries = document.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ConfigError(f"kubeconfig {path}: {section} must be a list, not {_type_name(entries)}.", None)
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("name", ""), str):
                raise ConfigError(f"kubeconfig {path}: {section}[{index}] must be a mapping with a string name.", None)
            body = entry.get(inner)
            if body is not None and not isinstance(body, dict):
                raise ConfigError(f"kubeconfig {path}: {section}[{index}].{inner} must be a mapping.", None)
            _check_entry_body(body or {}, f"{section}[{index}].{inner}", inner, path)


def load_merged(explicit: str | None, environ: Mapping[str, str]) -> dict[str, Any]:
    """Load and merge kubeconfig files into one dict.

    Raises:
        ConfigError: when no file exists, a file is not valid YAML, or the merged config is empty.
    """
    files = candidate_files(explicit, environ)
    merged: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [],
        "users": [],
        "contexts": [],
    }
    found = False
    for path in files:
        if not path.is_file():
            if explicit:
                problem = "is not a file" if path.exists() else "does not exist"
                raise ConfigError(f"kubeconfig {path} {problem}.", "Check the --kubeconfig path.")
            continue
        try:
            documents = parse_yaml(read_text(path, MAX_MANIFEST_BYTES, what="kubeconfig"), f"kubeconfig {path}")
        except UnreadableFileError as error:
            # kubectl stops too when one file of KUBECONFIG cannot be read: its contexts are unknown.
            raise ConfigError(error.message, error.hint) from error
        except SnapshotFormatError as error:
            raise ConfigError(
                error.message.replace("File kubeconfig ", "kubeconfig ", 1),
                "Fix the file, or point KUBECONFIG/--kubeconfig at a valid one.",
            ) from error
        document = (documents[0][0] if documents else None) or {}
        if not isinstance(document, dict):
            raise ConfigError(f"kubeconfig {path} is not a kubeconfig (expected a mapping).", None)
        _check_shape(document, path)
        found = True
        if not merged.get("current-context") and document.get("current-context"):
            merged["current-context"] = document["current-context"]
        for section in ("clusters", "users", "contexts"):
            names = {item.get("name") for item in merged[section]}
            for entry in document.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") not in names:
                    merged[section].append(_absolutize(section, entry, path.parent))
                    names.add(entry.get("name"))
        if "preferences" in document and "preferences" not in merged:
            merged["preferences"] = document["preferences"]
    if not found:
        shown = ", ".join(str(path) for path in files)
        raise ConfigError(
            f"No kubeconfig found (looked at {shown}).",
            "Set KUBECONFIG or pass --kubeconfig, or use --snapshot DIR to read a saved cluster.",
        )
    return merged


def resolve_context(config: Mapping[str, Any], requested: str | None) -> dict[str, Any]:
    """The context entry to use (``--context`` or current-context), with its namespace.

    Raises:
        ConfigError: when the context is unset or unknown.
    """
    name = requested or config.get("current-context")
    contexts = {entry.get("name"): entry for entry in config.get("contexts") or []}
    if not name:
        raise ConfigError("The kubeconfig sets no current-context.", "Pass --context NAME.")
    if name not in contexts:
        known = ", ".join(sorted(str(key) for key in contexts)) or "none"
        raise ConfigError(
            f"Context {name!r} is not in the kubeconfig (known: {known}).", "Pass --context with one of them."
        )
    return dict(contexts[name])


def cluster_and_user(
    config: Mapping[str, Any], context_entry: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cluster and user entries a context names (empty when absent; the loaders report that)."""
    names = context_entry.get("context") or {}
    cluster = next(
        (c.get("cluster") or {} for c in config.get("clusters") or [] if c.get("name") == names.get("cluster")), {}
    )
    user = next((u.get("user") or {} for u in config.get("users") or [] if u.get("name") == names.get("user")), {})
    return dict(cluster), dict(user)
