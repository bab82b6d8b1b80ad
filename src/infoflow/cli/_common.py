"""Shared CLI plumbing: the typer app, consoles, error handling, progress bars and summaries."""

from __future__ import annotations

import functools
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from infoflow import __version__
from infoflow._defaults import DEFAULT_LAGS
from infoflow._validation import InvalidParameterError

LAGS_TEXT = ",".join(map(str, DEFAULT_LAGS))
"""The default lags as the CLI prints and parses them (1,2,3)."""

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
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Show the version "
                                                                                                     "and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on unexpected errors."),
) -> None:
    _STATE["debug"] = debug


# Library messages name Python arguments; on the command line the same hint names the option.
_CLI_HINTS = (
    (re.compile(r"\(for CSV input: infoflow\.data\.load_csv\(\.\.\., fill='interpolate'\)\)"),
     "(for CSV input: --fill interpolate)"),
    (re.compile(r"pass fill='interpolate'"), "pass --fill interpolate"),
    (re.compile(r"load_csv\(\.\.\., fill='interpolate'\)"), "--fill interpolate"),
    (re.compile(r"or pass time_column=None"), "or leave out --time-column"),
    (re.compile(r"Pass resume=True \(--resume\)"), "Pass --resume"),
    (re.compile(r"resume=True"), "--resume"),
    (re.compile(r"with time_column='([^']*)'"), r"with --time-column \1"),
    (re.compile(r"Pass roles=\[\.\.\.\]"), "Pass --roles"),
)


def cli_message(text: str) -> str:
    """A library message as the command line user should read it (hints name CLI options)."""
    for pattern, repl in _CLI_HINTS:
        text = pattern.sub(repl, text)
    return text


def print_error(message: str) -> None:
    """One plain-text error line on stderr: no markup is interpreted, so '[0, 5]' survives."""
    err_console.print(Text.assemble(("Error: ", "bold red"), cli_message(str(message))), highlight=False)


def _user_os_error(exc: OSError) -> str | None:
    """A one-line reason for OS errors that are the user's to fix (permissions, paths, networks)."""
    if isinstance(exc, PermissionError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"permission denied:{where}. Choose a folder you can write to (--out) or fix its permissions."
    if isinstance(exc, NotADirectoryError):
        return (f"{exc.filename or 'a path'} lies under a file, not a folder ({exc.strerror}). "
                "Choose another --out.")
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename or 'the path'} is a folder where a file was expected."
    if isinstance(exc, (TimeoutError, ConnectionError)) or "connect" in str(exc).lower():
        return (f"could not reach the scheduler ({exc}). Check the --scheduler address, or leave the option out "
                "to compute in this process.")
    if getattr(exc, "errno", None) is not None and exc.filename:
        return f"{exc.filename}: {exc.strerror}."
    return None


def handle_errors(func: Callable) -> Callable:
    """Turn exceptions into one readable line and an exit code (0 ok, 1 unexpected, 2 bad input).

    User mistakes (bad options, bad data, missing files, folders that cannot be written, an
    unreachable scheduler) exit 2 with a plain-text line. Under pytest (``INFOFLOW_TESTING=1``)
    unexpected errors are re-raised so tests see them.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            err_console.print(Text.assemble(("Interrupted. ", "yellow"), "Nothing was saved under the final names of "
                                            "unfinished results; `infoflow train --resume --out RUN` continues an "
                                            "interrupted training run, and `infoflow run` picks up at the first "
                                            "unfinished stage."), highlight=False)
            raise typer.Exit(130) from None
        except (InvalidParameterError, ValueError, FileNotFoundError, FileExistsError) as exc:
            print_error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        except OSError as exc:
            reason = _user_os_error(exc)
            if reason is None:
                raise_unexpected(exc)
            print_error(reason)
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as exc:  # noqa: BLE001 - last-resort handler of the CLI
            raise_unexpected(exc)

    return wrapper


def raise_unexpected(exc: BaseException) -> NoReturn:
    """Report an unexpected error (exit 1); re-raise it under pytest or print it with --debug."""
    if os.environ.get("INFOFLOW_TESTING") == "1":
        raise exc
    if _STATE["debug"]:
        err_console.print_exception()
    else:
        err_console.print(Text.assemble(("Unexpected error: ", "bold red"), f"{type(exc).__name__}: {exc}\n"
                                        "Re-run with --debug for the traceback."), highlight=False)
    raise typer.Exit(EXIT_FAILURE) from None


def warning_sentences(caught: list[warnings.WarningMessage]) -> list[str]:
    """The distinct messages of `caught` warnings, in order, as plain sentences (no source lines)."""
    seen: dict[str, None] = {}
    for w in caught:
        text = " ".join(str(w.message).split())
        if text and text not in seen:
            seen[text] = None
    return list(seen)


def show_warnings(messages: list[str]) -> None:
    """Print each warning once on stderr, as a sentence."""
    for text in messages:
        err_console.print(Text.assemble(("Warning: ", "bold yellow"), cli_message(text)), highlight=False)


@contextmanager
def collect_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised inside (none is printed raw); show them with :func:`show_warnings`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


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
