"""The examples in kehu.insight's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kehu.insight

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(kehu.insight.__path__, "kehu.insight.")
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder().find(module, name) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(name):
        runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert failed == 0, f"{failed} of {attempted} examples in {name} failed (output above)"


def test_the_package_has_examples_and_every_module_is_collected() -> None:
    assert "kehu.insight.btyd.bg_nbd" in MODULES and "kehu.insight.recommend.model" in MODULES
    n_examples = sum(len(t.examples) for name in MODULES for t in _examples(name))
    assert n_examples >= 60
