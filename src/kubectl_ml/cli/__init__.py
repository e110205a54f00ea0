"""The command line: typer glue only. ``main`` is the single place errors become exit codes."""

from __future__ import annotations

import contextlib
import signal
import sys
import traceback
from types import FrameType

import typer

from kubectl_ml.cli.completion import completion
from kubectl_ml.cli.doctor import doctor
from kubectl_ml.cli.gpu import gpu
from kubectl_ml.cli.lint import lint
from kubectl_ml.cli.new import new_app
from kubectl_ml.cli.rightsize import rightsize
from kubectl_ml.cli.snapshot import snapshot
from kubectl_ml.cli.version import version
from kubectl_ml.errors import ExitCode, KubectlMlError

app = typer.Typer(
    name="kubectl ml",
    help="kubectl ml: diagnose, size and scaffold machine-learning workloads on Kubernetes.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Plain click help, like kubectl's own: rich-formatted help costs ~100 ms of imports per call.
    rich_markup_mode=None,
)


def _short(command: object) -> str:
    """The first sentence of a command's docstring, whole: click would cut it after 45 characters."""
    first = (getattr(command, "__doc__", None) or "").strip().split("\n\n", 1)[0]
    return " ".join(first.split())


for _command in (doctor, rightsize, gpu, lint, snapshot, version, completion):
    app.command(short_help=_short(_command))(_command)
for _info in new_app.registered_commands:
    _info.short_help = _info.short_help or _short(_info.callback)
app.add_typer(
    new_app, name="new", short_help="Write a training Job or a model server's manifests (to stdout, or -f FILE)."
)


class InterruptError(KubectlMlError):
    """Ctrl-C. Raised from the signal handler so that click does not turn it into exit 1."""

    exit_code = ExitCode.INTERRUPTED


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    # A second Ctrl-C, while this one unwinds and the error is printed, ends the process at once (the
    # default action) instead of raising again inside the error handler, which would show a traceback.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise InterruptError("Interrupted.")


# Cobra's ShellCompDirective values, which kubectl reads from the last line of a plugin's completion.
_DIRECTIVE_DEFAULT = 0  # let the shell complete file names
_DIRECTIVE_NO_FILES = 4
_DIRECTIVE_DIRECTORIES = 16
# Options and arguments whose value is a path: typer offers no candidates for them, so say here which
# ones the shell should complete as file or folder names.
_PATH_OPTIONS = {"--snapshot": _DIRECTIVE_DIRECTORIES, "--kubeconfig": _DIRECTIVE_DEFAULT}
_PATH_ARGUMENTS = {"snapshot": _DIRECTIVE_DIRECTORIES}


def complete(words: list[str]) -> int:
    """Answer kubectl's plugin completion: ``kubectl-ml __complete WORD... INCOMPLETE``.

    kubectl (1.26+) runs ``kubectl_complete-ml`` with the words typed after ``ml`` and the word being
    completed (empty when starting a new one); install.sh's shim passes them here unchanged, so words
    with spaces survive. One candidate per line (``value<TAB>help``, shown by zsh and fish), then
    cobra's directive line (``:4``: no file names; ``:0``: file names; ``:16``: directories).
    """
    from typer.main import get_command

    try:  # recent typer vendors click as typer._click
        from typer._click.shell_completion import CompletionItem, ShellComplete
    except ImportError:  # pragma: no cover - older typer on plain click
        from click.shell_completion import CompletionItem, ShellComplete  # type: ignore[assignment]

    class _KubectlComplete(ShellComplete):
        name = "kubectl"
        source_template = ""

        def source_vars(self) -> dict[str, object]:
            return {}

        def get_completion_args(self) -> tuple[list[str], str]:
            return words[:-1], words[-1] if words else ""

        def format_completion(self, item: CompletionItem) -> str:
            return f"{item.value}\t{item.help}" if item.help else str(item.value)

    completer = _KubectlComplete(get_command(app), {}, "kubectl ml", "_KUBECTL_ML_COMPLETE")
    args, incomplete = completer.get_completion_args()
    try:
        items = completer.get_completions(args, incomplete)
    except Exception:  # a completion must never print a traceback into the user's shell
        items = []
    directive = _DIRECTIVE_NO_FILES
    if args and not incomplete.startswith("-"):
        if args[-1].startswith("-"):
            directive = _PATH_OPTIONS.get(args[-1], directive)
        else:
            directive = _PATH_ARGUMENTS.get(args[0], directive)
    for item in items:
        if item.type == "file":
            directive = _DIRECTIVE_DEFAULT
        elif item.type == "dir":
            directive = _DIRECTIVE_DIRECTORIES
        else:
            print(completer.format_completion(item))
    print(f":{directive}")
    return ExitCode.OK


def _flags_before_the_command(args: list[str]) -> list[str] | None:
    """``-n ml doctor`` as kubectl users type it: the arguments in the order that works, or None.

    kubectl passes everything after ``kubectl ml`` to the plugin, and its own flags (``-n``, ``--context``)
    belong to each of our commands, so ``kubectl ml -n ml doctor`` would only say "No such option: -n".
    """
    if not args or not args[0].startswith("-") or args[0] in ("-h", "--help"):
        return None
    commands = {command.name or command.callback.__name__ for command in app.registered_commands if command.callback}
    commands |= {group.name for group in app.registered_groups if group.name}
    found = next((index for index, arg in enumerate(args) if arg in commands), None)
    if found is None:
        return None
    groups = {group.name for group in app.registered_groups if group.name}
    end = found + 2 if args[found] in groups and found + 1 < len(args) else found + 1  # `new job`
    return [*args[found:end], *args[:found], *args[end:]]


def _say(label: str, text: str) -> None:
    """``error: ...`` on stderr; on a terminal, wrapped at words under the text (never inside a word)."""
    line = f"{label}: {text}"
    if sys.stderr.isatty():
        import shutil
        import textwrap

        width = shutil.get_terminal_size().columns
        if len(line) > width > 40:
            indent = " " * (len(label) + 2)
            line = textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    print(line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error is one or two lines on stderr and an exit code (DESIGN §1).

    click (in standalone mode) reports usage errors itself with exit 2; our own errors pass through it
    and are printed here, with a traceback only under ``--debug``.
    """
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["__complete"]:
        return complete(args[1:])
    if not args:
        args = ["--help"]  # `kubectl ml` alone shows help and succeeds, as kubectl does
    misplaced = _flags_before_the_command(args)
    if misplaced is not None:
        print(f"error: kubectl's flags go after the command: kubectl ml {' '.join(misplaced)}", file=sys.stderr)
        print("hint: run that; add --help to it for the command's own flags.", file=sys.stderr)
        return ExitCode.USAGE
    if argv is None and hasattr(signal, "SIGPIPE"):
        # `kubectl ml doctor -A | head`: stop quietly when the reader goes away, as Unix tools (and kubectl) do,
        # instead of click turning the broken pipe into exit 1.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    previous = signal.signal(signal.SIGINT, _interrupt)
    try:
        app(args=args, prog_name="kubectl ml", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else ExitCode.USAGE)
    except KubectlMlError as error:
        if "--debug" in args:
            traceback.print_exc()  # and the same message and exit code: --debug explains, it does not change
        _say("error", error.message)
        if error.hint:
            _say("hint", error.hint)
        return int(error.exit_code)
    except BrokenPipeError:
        return ExitCode.OK
    except OSError as error:
        # The machine, not the plugin: stdout on a full disk, a file we may not read. One line, exit 3.
        if "--debug" in args:
            traceback.print_exc()
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        what = "cannot write the output" if error.filename is None else "cannot read or write a file"
        with contextlib.suppress(OSError):
            print(f"error: {what}: {error.strerror or error}{where}.", file=sys.stderr)
        return ExitCode.SOURCE
    except Exception as error:  # a bug of ours: one line and exit 4, never "findings" (exit 1)
        if "--debug" in args:
            traceback.print_exc()
        print(f"error: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        print(
            "hint: this is a bug in kubectl-ml; rerun with --debug for the traceback and report it with the "
            "input that caused it.",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL
    finally:
        signal.signal(signal.SIGINT, previous)
    return ExitCode.OK
