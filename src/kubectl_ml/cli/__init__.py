"""The command line: typer glue only. ``main`` is the single place errors become exit codes."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import typer

from kubectl_ml.cli.doctor import doctor
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
app.command()(doctor)
app.command()(snapshot)
app.command()(version)


class InterruptError(KubectlMlError):
    """Ctrl-C. Raised from the signal handler so that click does not turn it into exit 1."""

    exit_code = ExitCode.INTERRUPTED


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise InterruptError("Interrupted.")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error is one or two lines on stderr and an exit code (DESIGN §1).

    click (in standalone mode) reports usage errors itself with exit 2; our own errors pass through it
    and are printed here, with a traceback only under ``--debug``.
    """
    args = sys.argv[1:] if argv is None else argv
    previous = signal.signal(signal.SIGINT, _interrupt)
    try:
        app(args=args, prog_name="kubectl ml", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else ExitCode.USAGE)
    except KubectlMlError as error:
        if "--debug" in args:
            raise
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return int(error.exit_code)
    except BrokenPipeError:
        return ExitCode.OK
    finally:
        signal.signal(signal.SIGINT, previous)
    return ExitCode.OK
