"""A type-ahead picker for a foreign key whose table is too big for a ``<select>``.

The widget is a search box plus a group of radio buttons named like the field. With
JavaScript, htmx asks the field's search view for matching records while the user types
and ``static/kehu/picker.js`` turns a click on a match into the choice. Without it, the
user types and saves: the server takes the only match, or lists the matches as radio
buttons to choose from. Either way the server checks that the chosen id exists and is
one the user may see (the field's queryset); nothing posted is trusted.

Posted values: ``<name>`` (the chosen id, from a radio button) and ``<name>__q`` (the
text in the search box). The text wins over the id when it is not the chosen record's
label any more: the user typed something else after choosing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

QUERY_SUFFIX = "__q"
OPTIONS_SHOWN = 20

Search = Callable[[QuerySet[Any], str], QuerySet[Any]]


@dataclass(frozen=True)
class Option:
    pk: int
    label: str
    detail: str = ""
    data: Mapping[str, str] | None = None


@dataclass(frozen=True)
class PickerState:
    """What the widget shows: the chosen record, the text, and matches to choose from."""

    query: str
    selected: Option | None
    options: list[Option]
    n_more: int = 0

    def __str__(self) -> str:
        """The chosen id, as a select's value would read."""
        return str(self.selected.pk) if self.selected else ""


class PickerWidget(forms.Widget):
    template = "includes/picker.html"

    def __init__(
        self, url: str = "", placeholder: str = "", attrs: dict[str, Any] | None = None
    ) -> None:
        super().__init__(attrs)
        self.url = url
        self.placeholder = placeholder

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {
            "pk": str(data.get(name) or "").strip(),
            "q": str(data.get(name + QUERY_SUFFIX) or "").strip()[:200],
        }

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + QUERY_SUFFIX not in data

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        state = value if isinstance(value, PickerState) else PickerState("", None, [])
        final = self.build_attrs(self.attrs, attrs)
        final.pop("required", None)  # the server says what is missing, in words
        wrapper = {k: v for k, v in final.items() if k.startswith("hx-")}
        if wrapper:  # the page's own htmx reacts to "picked"; the search box keeps its own
            wrapper["hx-disinherit"] = "*"
        options = ([state.selected] if state.selected else []) + [
            o for o in state.options if not state.selected or o.pk != state.selected.pk
        ]
        context = {
            "name": name,
            "id": final.pop("id", f"id_{name}"),
            "attrs": wrapper,
            "input_attrs": {k: v for k, v in final.items() if k not in wrapper and k != "id"},
            "url": self.url,
            "placeholder": self.placeholder,
            "query": state.query,
            "options": options,
            "selected_pk": state.selected.pk if state.selected else None,
            "n_more": state.n_more,
            "query_suffix": QUERY_SUFFIX,
        }
        return render_to_string(self.template, context)


class PickerField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` rendered as a :class:`PickerWidget`.

    ``search(queryset, text)`` narrows the queryset to the records matching ``text``;
    ``option(record)`` gives a record's label and detail line. ``noun`` names the record
    in error messages ("customer", "product")."""

    default_error_messages = {
        "not_visible": _("No %(noun)s #%(pk)s that you may see: choose one from the list."),
        "no_match": _("No %(noun)s matches “%(q)s”: try a name, a code or an email."),
        "ambiguous": _("%(n)s matches for “%(q)s”: choose one below, or type more."),
    }

    def __init__(
        self,
        queryset: QuerySet[Any],
        *,
        search: Search,
        option: Callable[[Any], Option],
        noun: str,
        url: str,
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("widget", PickerWidget(url=url, placeholder=placeholder))
        super().__init__(queryset, **kwargs)
        self.search = search
        self.option = option
        self.noun = noun

    def _by_pk(self, pk: Any) -> Model | None:
        if isinstance(pk, Model):
            pk = pk.pk
        if not (str(pk).isascii() and str(pk).isdigit()) or int(pk) >= 2**63:
            return None
        return self.queryset.filter(pk=int(pk)).first()

    def matches(self, text: str, limit: int = OPTIONS_SHOWN) -> tuple[list[Any], int]:
        """The first ``limit`` records matching ``text`` and how many more there are
        (up to the search's own cap)."""
        found = self.search(self.queryset, text)
        shown = list(found[: limit + 1])
        n_more = found.count() - limit if len(shown) > limit else 0
        return shown[:limit], n_more

    def _raw(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return {"pk": str(value.get("pk") or ""), "q": str(value.get("q") or "")}
        if isinstance(value, Model):
            return {"pk": str(value.pk), "q": ""}
        return {"pk": str(value or ""), "q": ""}

    def _typed_over(self, record: Model | None, text: str) -> bool:
        """The user typed something that is not the chosen record's label."""
        return bool(text) and (record is None or text != self.option(record).label)

    def to_python(self, value: Any) -> Model | None:
        raw = self._raw(value)
        record = self._by_pk(raw["pk"]) if raw["pk"] else None
        if raw["pk"] and record is None:  # never swap a refused id for a namesake
            raise forms.ValidationError(
                self.error_messages["not_visible"],
                code="not_visible",
                params={"noun": self.noun, "pk": raw["pk"][:20]},
            )
        if not self._typed_over(record, raw["q"]):
            return record
        found, n_more = self.matches(raw["q"], limit=2)
        if not found:
            raise forms.ValidationError(
                self.error_messages["no_match"],
                code="no_match",
                params={"noun": self.noun, "q": raw["q"]},
            )
        if len(found) > 1:
            raise forms.ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={"n": len(found) + n_more, "q": raw["q"]},
            )
        return found[0]

    def chosen(self, value: Any) -> Model | None:
        """The record a raw or posted value names (an id, or text with one match), or
        None; never raises (for choices that follow the record before validation)."""
        state = self.prepare_value(value)
        return self._by_pk(state.selected.pk) if state.selected else None

    def prepare_value(self, value: Any) -> PickerState:
        raw = self._raw(value)
        record = self._by_pk(raw["pk"]) if raw["pk"] else None
        if not self._typed_over(record, raw["q"]):
            selected = self.option(record) if record is not None else None
            return PickerState(selected.label if selected else "", selected, [])
        found, n_more = self.matches(raw["q"])
        if len(found) == 1 and not n_more:  # the text names one record: the one taken
            only = self.option(found[0])
            return PickerState(only.label, only, [])
        return PickerState(raw["q"], None, [self.option(r) for r in found], n_more)

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        before, after = self._raw(initial), self._raw(data)
        return after["pk"] != before["pk"] or bool(after["q"] and not after["pk"])


def picker_options(
    field: PickerField, name: str, text: str, *, selected: str = ""
) -> dict[str, Any]:
    """The context of the options fragment a search view returns while the user types."""
    found, n_more = field.matches(text) if text.strip() else ([], 0)
    return {
        "name": name,
        "query": text,
        "options": [field.option(r) for r in found],
        "selected_pk": int(selected) if selected.isdigit() else None,
        "n_more": n_more,
    }
