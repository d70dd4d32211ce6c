"""The parameters a trigger or an action takes, and their check: a rule's JSON is
checked against these when it is saved, each error keyed by the parameter's name (the
form's field of the same name shows it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Param:
    """One parameter: ``kind`` is ``int``, ``float``, ``str`` or ``list`` (of strings
    from ``choices`` when given); numbers lie in [``low``, ``high``]."""

    name: str
    kind: type
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: Sequence[str] | None = None
    required: bool = False
    max_length: int = 200

    def clean(self, value: Any) -> Any:
        if value is None or value == "" or value == []:
            if self.required:
                raise ValidationError(f"{self.name} is required", code="required")
            return self.default
        if self.kind is list:
            return self._clean_list(value)
        if self.kind is str:
            return self._clean_choice(str(value).strip())
        return self._clean_number(value)

    def _clean_number(self, value: Any) -> int | float:
        if isinstance(value, bool):
            raise ValidationError(f"{self.name} must be a number, got {value!r}", code="invalid")
        try:
            number = self.kind(value)
            if number != number:  # NaN
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(
                f"{self.name} must be a number, got {value!r}", code="invalid"
            ) from None
        if self.kind is int and number != float(value):
            raise ValidationError(f"{self.name} must be a whole number, got {value!r}", "invalid")
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise ValidationError(
                f"{self.name} must be from {self.low} to {self.high}, got {value!r}",
                code="out_of_range",
            )
        return number

    def _clean_choice(self, value: str) -> str:
        if len(value) > self.max_length:
            raise ValidationError(
                f"{self.name} has at most {self.max_length} characters", code="max_length"
            )
        if self.choices is not None and value not in self.choices:
            raise ValidationError(
                f"{self.name} must be one of {list(self.choices)}, got {value!r}",
                code="invalid_choice",
            )
        return value

    def _clean_list(self, value: Any) -> list[str]:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ValidationError(f"{self.name} must be a list, got {value!r}", code="invalid")
        return [self._clean_choice(str(v)) for v in value]


def clean_params(params: Sequence[Param], given: Any, *, where: str) -> dict[str, Any]:
    """``given`` checked against ``params``: unknown names refused, each value cleaned,
    defaults filled in; errors keyed by parameter name."""
    if not isinstance(given, Mapping):
        raise ValidationError({where: ValidationError(f"{where} must be an object", "invalid")})
    known = {p.name: p for p in params}
    errors: dict[str, ValidationError] = {}
    unknown = sorted(set(given) - set(known))
    if unknown:
        errors[where] = ValidationError(
            f"unknown {where} {unknown}; allowed: {sorted(known)}", code="unknown"
        )
    cleaned: dict[str, Any] = {}
    for param in params:
        try:
            cleaned[param.name] = param.clean(given.get(param.name))
        except ValidationError as e:
            errors[param.name] = e
    if errors:
        raise ValidationError(errors)
    return cleaned
