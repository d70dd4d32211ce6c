"""What the commands that can run on Spark share: the cluster options and the session.

``--spark-master`` and ``--spark-conf`` read the same in every such command, and a
Spark that cannot start (PySpark missing, the cluster unreachable) is one plain line.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kehu.cli.console import fail

if TYPE_CHECKING:
    from kehu.insight.engine import SparkEngine

F = TypeVar("F", bound=Callable[..., Any])


def engine_option(local: str, help: str) -> Callable[[F], F]:
    """``--engine LOCAL|spark``: where the command runs, ``local`` (its name) by default."""
    return click.option(
        "--engine", type=click.Choice([local, "spark"]), default=local, show_default=True, help=help
    )


def spark_options(*, workers_need: str) -> Callable[[F], F]:
    """``--spark-master`` and ``--spark-conf``; ``workers_need`` says what a cluster's
    workers need for the command (kehu installed, the files on storage they share)."""

    def decorate(command: F) -> F:
        command = click.option(
            "--spark-conf",
            multiple=True,
            metavar="KEY=VALUE",
            help="With --engine spark: a Spark setting, as spark-submit's --conf "
            "(e.g. spark.driver.memory=12g, spark.sql.shuffle.partitions=64); repeatable.",
        )(command)
        return click.option(
            "--spark-master",
            default="local[*]",
            show_default=True,
            help="With --engine spark: the cluster, e.g. spark://host:7077 (its workers "
            f"need {workers_need}).",
        )(command)

    return decorate


def spark_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    """Return ``--spark-conf KEY=VALUE`` pairs as settings; a malformed one fails plainly."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--spark-conf takes KEY=VALUE, e.g. spark.driver.memory=12g; got {pair!r}")
        settings[key.strip()] = value.strip()
    return settings


@contextmanager
def spark_engine(master: str, config: dict[str, str]) -> Iterator[SparkEngine]:
    """Start Spark at ``master`` for a command, and stop it when the command ends."""
    if importlib.util.find_spec("pyspark") is None:
        fail("--engine spark needs PySpark: pip install 'kehu[spark]' (and Java 17+)")
    from kehu.insight.engine import SparkEngine, spark_start_failure

    try:
        engine = SparkEngine(master=master, config=config)
    except Exception as e:  # pyspark and py4j raise several unrelated types
        fail(spark_start_failure(e, master))
    try:
        yield engine
    finally:
        engine.session.stop()
