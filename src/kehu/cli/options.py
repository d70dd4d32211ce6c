"""Options and argument types that several ``kehu`` commands share, written once so
that they read and behave the same everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def file_argument(metavar: str = "FILE", *, required: bool = True) -> Callable[[F], F]:
    """The input file, passed to the command as ``input_path``."""
    return click.argument(
        "input_path", metavar=metavar, required=required, type=click.Path(dir_okay=False)
    )


def out_option(help: str) -> Callable[[F], F]:
    """``--out FOLDER`` (required), passed as ``out_dir``: where the command writes;
    ``help`` names the files it writes there."""
    return click.option(
        "--out", "out_dir", required=True, type=click.Path(file_okay=False), help=help
    )


def column_option(what: str, help: str, *, required: bool = False) -> Callable[[F], F]:
    """``--WHAT-col NAME``: the input column that holds WHAT (customer, date, item...)."""
    return click.option(f"--{what}-col", required=required, help=help)


def date_format_option(help: str) -> Callable[[F], F]:
    """``--date-format``: a strptime format for dates that are not ISO."""
    return click.option("--date-format", help=help)


#: ``--encoding``: a CSV file's text encoding, when not what its start shows.
encoding_option = click.option(
    "--encoding",
    help="Text encoding of a CSV file, e.g. gb18030 or big5 [UTF-8 when the file's start "
    "is, else detected].",
)


#: ``--customers N``: how many demo customers to generate (``kehu generate``, ``kehu demo``).
n_customers_option = click.option(
    "--customers", "n_customers", default=10_000, show_default=True, type=click.IntRange(1)
)

#: ``--port``: where the web app listens (``kehu serve``, ``kehu demo``).
port_option = click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))


class LazyChoice(click.Choice[str]):
    """A choice whose values are loaded the first time they are needed (when the option
    is given, or its command's --help is shown), so that defining the option loads
    nothing: the roles come from the CRM's model, and loading that sets up Django."""

    def __init__(self, load: Callable[[], Iterable[str]]) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, values: Iterable[str]) -> None:
        self._loaded = tuple(values)
