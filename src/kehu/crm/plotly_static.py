"""Serves plotly.min.js from the plotly Python package as the static file
``plotly/plotly.min.js``: charts then work offline, and the browser's copy is always the
version the Python side builds figures for. A staticfiles finder (``STATICFILES_FINDERS``)
that offers that one file, not the datasets the package also ships."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "plotly"
FILE = "plotly.min.js"


def plotly_js_folder() -> Path:
    return Path(plotly.__file__).parent / "package_data"


class PlotlyFinder(BaseFinder):
    def __init__(self) -> None:
        self.storage = FileSystemStorage(location=plotly_js_folder())
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        if path != f"{PREFIX}/{FILE}":
            return []  # what Django's own finders answer for "not here"
        found = str(plotly_js_folder() / FILE)
        return [found] if find_all or kwargs.get("all") else found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield FILE, self.storage
