"""Run the CLI in a real pseudo-terminal of a given size, and read what a person would see.

Rich lays out for the terminal it finds (``isatty`` and the window size), so a table's width, colour and
wrapping are only what users see when the program runs on a terminal: a pipe or ``capsys`` shows another
layout. Escape sequences are stripped from the result.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


@dataclass(frozen=True)
class Screen:
    """What the terminal received: the exit code and the text, without escape sequences."""

    code: int
    text: str

    @property
    def lines(self) -> list[str]:
        """The lines as shown."""
        return self.text.splitlines()


def run_in_terminal(
    args: list[str], columns: int, rows: int = 60, environ: Mapping[str, str] | None = None, timeout: float = 60
) -> Screen:
    """``kubectl-ml ARGS`` with stdin, stdout and stderr on a ``columns`` x ``rows`` pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {key: value for key, value in (environ or os.environ).items() if key not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT / "src"))
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kubectl_ml", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        close_fds=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not data:
                break
            chunks.append(data)
        code = process.wait(timeout=timeout)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return Screen(code, _ESCAPES.sub("", b"".join(chunks).decode("utf-8", errors="replace")))
