"""What every ``kehu`` command shows on the terminal besides its result: the error exit
and the progress display."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

#: Exit status of a command that refused its input (click's own usage errors use it too).
EXIT_REFUSED = 2


def fail(message: str) -> NoReturn:
    """End the command with ``error: MESSAGE`` in red on stderr and exit status 2."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(EXIT_REFUSED)


@contextmanager
def insight_errors() -> Iterator[None]:
    """An analysis that refuses its input ends the command with the error's first line
    (the lines after it are detail for a log, not for the terminal); so does a file or
    folder that cannot be read or written (an ``--out`` inside a file, a full disk)."""
    from kehu.insight.errors import InsightError

    try:
        yield
    except InsightError as e:
        fail(str(e).splitlines()[0])
    except OSError as e:
        fail(file_error(e))


def file_error(error: OSError) -> str:
    """Return one line saying which file could not be read or written, and why."""
    reason = error.strerror or str(error) or type(error).__name__
    return f"{reason}: {error.filename}" if error.filename else reason


@contextmanager
def progress(total: float | None = None) -> Iterator[Callable[..., None]]:
    """A transient progress line on a terminal (nothing when stderr is not one, e.g. under
    cron or in a log): the step, a bar (pulsing while the total is unknown), the share
    done and the time taken. Yields ``update(description, completed=, total=)``; a
    ``None`` leaves that figure as it was."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("starting", total=total)

        def update(
            description: str, *, completed: float | None = None, total: float | None = None
        ) -> None:
            bar.update(task, description=description, completed=completed, total=total)

        yield update
