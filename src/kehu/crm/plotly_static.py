"""Serves plotly.min.js from the plotly Python package as the static file
``plotly/plotly.min.js``: charts then work offline, and the browser's copy is always the
version the Python side builds figures for.

A staticfiles finder (``STATICFILES_FINDERS``) that offers that one file, not the
datasets the package also ships. The file is copied once per plotly version under
``var/vendor/`` beside a gzipped copy, which WhiteNoise sends to browsers that accept it
(1.4 MB instead of 4.8 MB on every chart page's first load).
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "plotly"
FILE = "plotly.min.js"


def plotly_js() -> Path:
    """plotly.min.js as the plotly package ships it."""
    return Path(plotly.__file__).parent / "package_data" / FILE


def prepared_folder() -> Path:
    """``var/vendor/plotly-<version>/`` holding plotly.min.js and plotly.min.js.gz,
    written once (atomically: several server workers may start at once)."""
    folder = Path(settings.VAR_DIR) / "vendor" / f"plotly-{plotly.__version__}"
    if (folder / f"{FILE}.gz").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    source = plotly_js()
    _write_atomically(folder / FILE, source.read_bytes())
    _write_atomically(folder / f"{FILE}.gz", gzip.compress(source.read_bytes(), mtime=0))
    return folder


def _write_atomically(target: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    shutil.copystat(plotly_js(), temporary)
    os.replace(temporary, target)


class PlotlyFinder(BaseFinder):
    def __init__(self) -> None:
        self.folder = prepared_folder()
        self.storage = FileSystemStorage(location=self.folder)
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        if path != f"{PREFIX}/{FILE}":
            return []  # what Django's own finders answer for "not here"
        found = str(self.folder / FILE)
        return [found] if find_all or kwargs.get("all") else found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield FILE, self.storage
        # listed too, so that WhiteNoise (which looks only at listed files) sends it
        yield f"{FILE}.gz", self.storage
