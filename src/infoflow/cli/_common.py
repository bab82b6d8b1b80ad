"""Shared CLI plumbing: the typer app, consoles, error handling, progress bars and summaries."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from infoflow import __version__
from infoflow._validation import InvalidParameterError

console = Console(soft_wrap=True)  # results and summaries: stdout
err_console = Console(stderr=True, soft_wrap=True)  # progress and diagnostics: stderr

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
_STATE = {"debug": False}


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"infoflow {__version__}")
        raise typer.Exit(EXIT_OK)


app = typer.Typer(
    name="infoflow",
    help="Measure how information moves inside recurrent neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on unexpected errors."),
) -> None:
    _STATE["debug"] = debug


def handle_errors(func: Callable) -> Callable:
    """Turn exceptions into one readable line and an exit code (0 ok, 1 unexpected, 2 bad input).

    Under pytest (``INFOFLOW_TESTING=1``) unexpected errors are re-raised so tests see them.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            err_console.print("[yellow]Interrupted.[/] Re-run with --resume to continue where it stopped.")
            raise typer.Exit(130) from None
        except (InvalidParameterError, ValueError, FileNotFoundError, FileExistsError) as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as exc:  # noqa: BLE001 - last-resort handler of the CLI
            if os.environ.get("INFOFLOW_TESTING") == "1":
                raise
            if _STATE["debug"]:
                err_console.print_exception()
            else:
                err_console.print(f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}\n"
                                  "Re-run with --debug for the traceback.", highlight=False)
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper


PROGRESS_COLUMNS = (SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn())


@contextmanager
def progress_callback(description: str) -> Iterator[Callable[[int, int], None]]:
    """Yield a ``callback(done, total)`` that drives a transient rich progress bar on stderr."""
    with Progress(*PROGRESS_COLUMNS, console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def callback(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield callback


def print_summary(title: str, rows: dict[str, Any], started: float | None = None) -> None:
    """Print the closing key/value table of a command (output path should be the last row)."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")  # paths are folded, never cut with an ellipsis
    items = list(rows.items())
    if started is not None:
        items.insert(max(len(items) - 1, 0), ("wall time", f"{time.perf_counter() - started:.1f} s"))
    for key, value in items:
        table.add_row(str(key), str(value))
    console.print(table)
