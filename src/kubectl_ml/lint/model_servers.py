"""Which model server a container runs: by its image, or by the command it starts.

One table (``SERVERS``) for the lint rules that care: ``probes-missing`` (a model server needs a readinessProbe
even when it declares no ``containerPort``), ``startup-probe-missing`` (it loads for minutes) and
``shm-missing`` (some use ``/dev/shm``, some do not). Each server has the image repositories it ships in, the
commands that start it, its default port and health endpoints where scaffold-gpu-lint-anchors §2.3 gives them
(taken from ``scaffold.serving.RUNTIMES`` where that preset exists), and whether it uses ``/dev/shm``.

A container is a server's *worker* rather than the server itself when it runs the server's image but starts
something else that joins a leader (``ray start`` without ``--head``, ``multi-node-serving.sh worker``,
``--node-rank 1``): it loads weights and uses ``/dev/shm`` like the server, but answers no requests.

The command line is read as Kubernetes runs it: ``command`` + ``args``, or the ``args`` alone when they start
with a program (images whose entrypoint passes them on, as NVIDIA's do); a ``sh -c`` script is split into its
simple commands (``nvidia-smi; sleep 3600`` is two).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_ml.lint._common import image_repository
from kubectl_ml.scaffold.runtimes import RUNTIMES

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
# Words that only prefix the program (``exec vllm serve``, ``FOO=1 torchrun``, ``uv run python``).
_PREFIXES = frozenset({"exec", "time", "nohup", "env", "sudo", "command", "stdbuf", "numactl", "taskset", "uv"})
_KEYWORDS = frozenset({"while", "until", "if", "then", "else", "elif", "do", "!", "{", "("})
# Simple commands that run nothing themselves: loop and branch ends, ``for x in ...``, ``case ... in``.
_SKIPPED = frozenset({"done", "fi", "esac", "}", ")", "for", "case", "select", "function"})
_SUBSTITUTION = re.compile(r"\$\([^()]*\)|`[^`]*`")


def argv(container: Mapping[str, Any]) -> list[str]:
    """The container's command line: ``command`` + ``args``, or ``args`` when they start with a program."""
    command = [str(item) for item in container.get("command") or [] if item is not None]
    args = [str(item) for item in container.get("args") or [] if item is not None]
    if command:
        return command + args
    return args if args and not args[0].startswith("-") else []


def _script(words: Sequence[str]) -> str | None:
    """The script of ``sh -c SCRIPT`` (``bash -ec``, ``/bin/sh -c -- SCRIPT`` too), else None."""
    if not words or posixpath.basename(words[0]) not in _SHELLS:
        return None
    for index, word in enumerate(words[1:], 1):
        if word.startswith("-") and not word.startswith("--") and "c" in word[1:]:
            rest = [item for item in words[index + 1 :] if item != "--"]
            return "\n".join(rest[:1]) if rest else ""
    return None


def _split(line: str) -> list[str]:
    line = _SUBSTITUTION.sub("$X", line)  # $(LWS_GROUP_SIZE), `hostname`: a value, not a command
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote: a line of a longer quoted string
        return line.split()


def _simple(words: list[str]) -> list[str]:
    """A simple command without shell keywords, variable assignments and prefixes (``exec``, ``env``)."""
    while words and (words[0] in _KEYWORDS or words[0] in _PREFIXES or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0])):
        if words[0] == "uv" and len(words) > 1 and words[1] == "run":
            words = words[1:]
        words = words[1:]
    return words


def simple_commands(container: Mapping[str, Any]) -> list[list[str]]:
    """The simple commands the container runs (each a list of words); empty when it runs its image's own."""
    words = argv(container)
    script = _script(words)
    if script is None:
        if words and posixpath.basename(words[0]) in _SHELLS:
            # ``bash -xe /entrypoint.sh``: the script file is what runs
            words = [word for word in words[1:] if not word.startswith("-")]
        return [_simple(words)] if words else []
    found: list[list[str]] = []
    for line in script.splitlines():
        current: list[str] = []
        for token in [*_split(line), ";"]:
            if not token.strip(";&|()"):  # an operator: ; && || | & ( ) and runs of them (``);``)
                simple = _simple(current)
                if simple and simple[0] not in _SKIPPED:
                    nested = _script(simple)
                    found.extend(_split_nested(nested) if nested is not None else [simple])
                current = []
            else:
                current.append(token)
    return found


def _split_nested(script: str) -> list[list[str]]:
    return simple_commands({"command": ["sh", "-c", script]})


def program(words: Sequence[str]) -> str:
    """What a simple command runs: the program's base name, or ``python -m MODULE``'s module."""
    if not words:
        return ""
    name = posixpath.basename(words[0])
    if _PYTHON.match(name):
        for index, word in enumerate(words[1:], 1):
            if word == "-m" and index + 1 < len(words):
                return words[index + 1]
            if word.startswith("-m") and len(word) > 2:
                return word[2:]
            if not word.startswith("-"):
                return posixpath.basename(word)
    return name


def command_text(container: Mapping[str, Any]) -> str:
    """``command`` and ``args`` as one string (for option lookups such as ``--port``)."""
    return " ".join(str(item) for key in ("command", "args") for item in container.get(key) or [] if item is not None)


@dataclass(frozen=True)
class ModelServer:
    """One model server.

    Attributes:
        name: how summaries call it (``vLLM``).
        images: matched against the lower-cased image repository (no tag).
        programs: what its command runs (``program()``): a program name, ``NAME SUBCOMMAND``, or a module.
        port: the port it listens on by default (None where the reference gives none).
        liveness, readiness: its health endpoints (``{model}`` stands for the model name).
        port_flags: the options that move its HTTP port.
        shm: ``always`` (uses ``/dev/shm`` at any GPU count), ``multi-gpu`` (only when it spans GPUs) or
            ``never``.
        shm_why: what uses ``/dev/shm`` (the end of a summary).
        server_tags: when set, only image tags matching it are the server (llama.cpp's ``server`` images).
        client_tags: image tags that are not the server (Triton's ``-sdk`` client image).
    """

    name: str
    images: re.Pattern[str] | None
    programs: frozenset[str]
    port: int | None = None
    liveness: str | None = None
    readiness: str | None = None
    port_flags: tuple[str, ...] = ("--port",)
    shm: str = "never"
    shm_why: str = ""
    server_tags: re.Pattern[str] | None = None
    client_tags: re.Pattern[str] | None = None


def _port(runtime: str, name: str = "http") -> int:
    return dict(RUNTIMES[runtime].ports)[name]


def _path(runtime: str, which: str) -> str | None:
    probe = getattr(RUNTIMES[runtime], which)
    return probe.path if probe.port == "http" else None


def _images(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


SERVERS: tuple[ModelServer, ...] = (
    ModelServer(
        "vLLM",
        _images(r"(^|/)[^/]*vllm[^/]*$"),
        frozenset({"vllm serve", "vllm.entrypoints.openai.api_server", "vllm.entrypoints.api_server"}),
        _port("vllm"),
        _path("vllm", "liveness"),
        _path("vllm", "readiness"),
        shm="always",
        shm_why="vLLM's processes (tensor-parallel workers, the engine core) share tensors through /dev/shm",
    ),
    ModelServer(
        "TGI",
        _images(r"text-generation-inference|huggingface-pytorch-tgi|hf-tgi"),
        frozenset({"text-generation-launcher"}),
        80,  # the image sets PORT=80 (the scaffold passes --port 8080 instead)
        _path("tgi", "liveness"),
        _path("tgi", "readiness"),
        shm="always",
        shm_why="TGI's shards talk through NCCL, which uses /dev/shm",
    ),
    ModelServer(
        "Triton",
        _images(r"tritonserver|triton-inference-server"),
        frozenset({"tritonserver"}),
        _port("triton"),
        _path("triton", "liveness"),
        _path("triton", "readiness"),
        port_flags=("--http-port",),
        shm="always",
        shm_why="Triton's Python-backend stubs and NCCL exchange tensors through /dev/shm",
        client_tags=re.compile(r"sdk"),
    ),
    ModelServer(
        "SGLang",
        _images(r"sglang"),
        frozenset({"sglang.launch_server", "sglang serve"}),
        shm="always",
        shm_why="SGLang's scheduler and tensor-parallel processes share tensors through /dev/shm",
    ),
    ModelServer(
        "NIM",
        _images(r"^nvcr\.io/nim/"),
        frozenset(),
        shm="always",
        shm_why="NIM's tensor-parallel engine processes use /dev/shm",
    ),
    ModelServer(
        "KServe Hugging Face server",
        _images(r"kserve/huggingfaceserver"),
        frozenset({"huggingfaceserver"}),
        8080,
        "/v2/health/live",
        shm="always",
        shm_why="its vLLM backend's processes share tensors through /dev/shm",
    ),
    ModelServer(
        "TorchServe",
        _images(r"torchserve"),
        frozenset({"torchserve"}),
        _port("torchserve"),
        _path("torchserve", "liveness"),
        _path("torchserve", "readiness"),
        shm="multi-gpu",
        shm_why="a model spread over GPUs runs under torchrun, whose NCCL uses /dev/shm",
    ),
    ModelServer(
        "TF Serving",
        _images(r"tensorflow/serving|tfserving|tf-serving"),
        frozenset({"tensorflow_model_server", "tf_serving_entrypoint.sh"}),
        _port("tfserving"),
        None,
        _path("tfserving", "readiness"),
        port_flags=("--rest_api_port",),
    ),
    ModelServer(
        "JetStream",
        _images(r"jetstream|maxengine"),
        frozenset({"jetstream.entrypoints.http.api_server", "MaxText.maxengine_server", "maxengine_server"}),
    ),
    ModelServer(
        "llama.cpp",
        _images(r"llama\.cpp"),
        frozenset({"llama-server"}),
        server_tags=re.compile(r"^server"),
    ),
    ModelServer(
        "Ollama",
        _images(r"(^|/)ollama$"),
        frozenset({"ollama serve"}),
        11434,
        "/",
        "/",
    ),
    ModelServer(
        "TEI",
        _images(r"text-embeddings-inference"),
        frozenset({"text-embeddings-router"}),
    ),
    ModelServer(
        "BentoML",
        None,
        frozenset({"bentoml serve", "bentoml serve-http"}),
        3000,
        "/livez",
        "/readyz",
    ),
)

# A container that runs a server's image but joins a leader: Ray workers, LWS worker scripts, later ranks.
_LATER_RANK = re.compile(r"--node-rank[=\s]+(?!0\b)\S")
_WORKER = re.compile(r"\bray\s+start\b(?!.*--head)|(^|\s)worker(\s|$)|" + _LATER_RANK.pattern, re.DOTALL)


@dataclass(frozen=True)
class Match:
    """A container recognised as a model server (or as one of its workers).

    Attributes:
        server: which server.
        serving: it answers requests (False for a worker that joins a leader).
        by: how it was recognised, for summaries: ``image vllm/vllm-openai`` or ``command vllm serve``.
        port: the port it answers on: the one its command gives, its first ``containerPort``, or the default.
        model: the model name its command gives (``--model_name=``), where its readiness path needs one.
    """

    server: ModelServer
    serving: bool
    by: str
    port: int | None
    model: str | None = None

    @property
    def readiness_path(self) -> str | None:
        """Its readiness endpoint, with the model name filled in; None when unknown."""
        path = self.server.readiness
        if path is None or "{model}" not in path:
            return path
        return path.format(model=self.model) if self.model else None


def _tag(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def _image_server(image: str) -> ModelServer | None:
    repository = image_repository(image).lower()
    tag = _tag(image).lower()
    for server in SERVERS:
        if server.images is None or not server.images.search(repository):
            continue
        if server.client_tags is not None and server.client_tags.search(tag):
            continue
        if server.server_tags is not None and not server.server_tags.match(tag):
            continue
        return server
    return None


def is_client_image(image: str) -> bool:
    """True for a server's client build (Triton's ``-sdk`` image: perf_analyzer and the client libraries)."""
    repository, tag = image_repository(image).lower(), _tag(image).lower()
    return any(
        server.images is not None
        and server.images.search(repository) is not None
        and server.client_tags is not None
        and server.client_tags.search(tag) is not None
        for server in SERVERS
    )


def _invocations(commands: list[list[str]]) -> Iterator[str]:
    for words in commands:
        name = program(words)
        yield name
        rest = [word for word in words[1:] if not word.startswith("-")]
        if rest:
            yield f"{name} {rest[0]}"


def _command_server(commands: list[list[str]]) -> tuple[ModelServer, str] | None:
    for invocation in _invocations(commands):
        for server in SERVERS:
            if invocation in server.programs:
                return server, invocation
    return None


# Variables that set a server's HTTP port (TGI and Vertex AI's images read AIP_HTTP_PORT or PORT).
_PORT_VARIABLES = ("AIP_HTTP_PORT", "HTTP_PORT", "PORT")
_NOT_HTTP = frozenset({"grpc", "metrics", "metric", "prometheus", "nccl", "bootstrap"})


def _declared_port(server: ModelServer, container: Mapping[str, Any], text: str) -> int | None:
    """The port the server answers HTTP on, as the manifest says it.

    In order: a port flag (``--port 8080``), a port variable (``PORT``, ``AIP_HTTP_PORT``), another
    ``*_PORT`` variable naming one of the declared ports, the port named ``http``, the server's default
    port when declared, the first declared port not named for gRPC or metrics, the server's default.
    """
    for flag in server.port_flags:
        found = re.search(rf"(?:^|\s){re.escape(flag)}[=\s]+(\d+)\b", text)
        if found:
            return int(found.group(1))
    declared = [
        (str(port.get("name") or "").lower(), int(port["containerPort"]))
        for port in container.get("ports") or []
        if isinstance(port, Mapping) and isinstance(port.get("containerPort"), int)
    ]
    numbers = {number for _name, number in declared}
    variables = {
        str(item.get("name")): str(item.get("value"))
        for item in container.get("env") or []
        if isinstance(item, Mapping) and isinstance(item.get("value"), str | int) and str(item.get("value")).isdigit()
    }
    for name in _PORT_VARIABLES:
        if name in variables:
            return int(variables[name])
    for name, value in variables.items():
        if name.endswith("_PORT") and int(value) in numbers:
            return int(value)
    for name, number in declared:
        if name.startswith("http"):
            return number
    if server.port in numbers:
        return server.port
    for name, number in declared:
        if name not in _NOT_HTTP:
            return number
    return server.port


def detect(container: Mapping[str, Any]) -> Match | None:
    """The model server the container runs, by its command first, then by its image; None if none."""
    commands = simple_commands(container)
    text = command_text(container)
    by_command = _command_server(commands)
    if by_command is not None:
        server, invocation = by_command
        worker = bool(_LATER_RANK.search(text))
        by = f"command {invocation}"
    else:
        image = container.get("image")
        found = _image_server(image) if isinstance(image, str) else None
        if found is None:
            return None
        server, worker = found, bool(commands) and bool(_WORKER.search(text))
        by = f"image {image_repository(str(image))}"
    model = re.search(r"--model_name[=\s]+([^\s\"']+)", text)
    port = _declared_port(server, container, text)
    return Match(server, not worker, by, port, model.group(1) if model else None)
