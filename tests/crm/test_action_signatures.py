"""Actions name what they take: no ``**fields`` that would set any attribute a caller
spells (a typo, a field the action must own, such as a ticket's number), and every
argument typed."""

from __future__ import annotations

import importlib
import inspect
from decimal import Decimal

import pytest

APPS = [
    "accounts",
    "billing",
    "catalog",
    "customers",
    "engagement",
    "integration",
    "sales",
    "service",
]


def _actions() -> list[tuple[str, object]]:
    found = []
    for app in APPS:
        module = importlib.import_module(f"kehu.crm.{app}.actions")
        for name, function in vars(module).items():
            if (
                inspect.isfunction(function)
                and function.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.append((f"{app}.{name}", function))
    return found


@pytest.mark.parametrize(("name", "function"), _actions(), ids=[n for n, _ in _actions()])
def test_an_action_takes_named_typed_arguments(name, function) -> None:
    parameters = inspect.signature(function).parameters.values()
    assert [p.name for p in parameters if p.kind is p.VAR_KEYWORD] == [], name
    assert [p.name for p in parameters if p.annotation is p.empty] == [], name


@pytest.mark.django_db
def test_an_unknown_field_is_refused_not_set() -> None:
    from kehu.crm.catalog.actions import create_product, update_product

    product = create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"))
    with pytest.raises(TypeError, match="colour"):
        update_product(product, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="number"):
        from kehu.crm.service.actions import open_ticket

        open_ticket(product, subject="x", number="T1")  # type: ignore[call-arg]
