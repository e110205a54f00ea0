"""How one line of a report meets a terminal: prose wraps at words under its label, values stay whole.

Piped, every item is one line, for grep. On a terminal, a line of prose (a summary, a fix, evidence) that
is wider than the terminal wraps at words, each continuation indented under the text it continues, so
the label column stays readable. A value someone copies (a patch, a command) is never broken by us:
it is printed as one line and the terminal wraps it, which copies back as one line.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.console import Console
from rich.table import Table
from rich.text import Text


class Line(NamedTuple):
    """A line of a report: its text, how far its continuation lines are indented, and whether it is a value."""

    text: Text
    hang: int = 4
    whole: bool = False


def print_line(console: Console, line: Line) -> None:
    """Print ``line`` as described in the module docstring."""
    if line.whole or not console.is_terminal or line.text.cell_len <= console.width or line.hang >= console.width // 2:
        console.print(line.text, soft_wrap=line.whole or not console.is_terminal, highlight=False)
        return
    prefix, body = line.text.divide([line.hang])
    grid = Table.grid()
    grid.add_column(width=line.hang, no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(prefix, body)
    console.print(grid, highlight=False)


def print_piped_table(console: Console, table: Any, natural: int) -> None:
    """Print a table on a pipe at its natural width (at least the console's), so no cell is cut.

    A pipe has no width: rich assumes 80 and would cut names and values with an ellipsis. The table is
    laid out by a console of its own on the same file; the caller's console keeps its width.
    """
    wide = Console(
        file=console.file,
        width=max(console.width, natural),
        highlight=False,
        no_color=console.no_color,
        color_system=None,
    )
    wide.print(table)
