"""What one setting is: `ConfigVar`, after Electrum's.

A `ConfigVar` is declared once (kiosk/config_declarations.py) with its type (the default's),
default, allowed values, a description, whether it is secret and whether staff may change
it. It converts and checks a value from kiosk.toml, from code or from the staff screen by
one rule, and says what it expects in English for staff.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

T = TypeVar("T")

SECRET_MASK = "***"


def toml_text(value: object, limit: int = 60) -> str:
    """A value written as in TOML, on one line and short (for problems and docs)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)  # escapes newlines: one line
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))  # "the default 90", not 90.0
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ConfigVar(Generic[T]):
    """One setting: a class attribute of DeclaredSettings (so of KioskConfig) whose key is
    the attribute's name.

    The type is the default's (str, int, float or bool). Allowed values: `minimum` and
    `maximum`, or `choices`, or a regex `pattern` (full match), and/or a `check`; `expected`
    says it in English for staff (generated for numbers and choices). The default is always
    allowed ("" for an identity setting means "not set").
    """

    def __init__(
        self,
        default: T,
        description: str,
        *,
        minimum: T | None = None,
        maximum: T | None = None,
        choices: tuple[T, ...] = (),
        pattern: str | None = None,
        check: Callable[[T], bool] | None = None,
        expected: str = "",
        unit: str = "",
        secret: bool = False,
        default_note: str = "",
        staff: tuple[str, str] | None = None,
        staff_choices: tuple[T, ...] = (),
    ) -> None:
        self.default = default
        self.type: type = type(default)
        self.description = description
        self.minimum, self.maximum = minimum, maximum
        self.choices = choices
        self.pattern = re.compile(pattern) if pattern is not None else None
        self._check = check
        self._expected = expected
        self.unit = unit
        self.secret = secret
        self.default_note = default_note  # what the default means, e.g. "not enrolled"
        # Staff may change it on the terminal page: its caption (zh, en) and the buttons
        # offered (the choices, (False, True) for a switch, else `staff_choices`).
        self.staff_caption = staff
        self.staff_choices: tuple = (
            staff_choices or choices or ((False, True) if self.type is bool else ())
        )
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name
        # A declaration whose default breaks its own rule must fail at import, not on a
        # kiosk ("" is exempt: it means "not set").
        if self.default != "" and not self._allowed(self._convert(self.default)):
            raise ValueError(f"{name}: default {self.default!r} is not {self.expected}")

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> ConfigVar[T]: ...

    @overload
    def __get__(self, instance: KioskConfig, owner: type | None = None) -> T: ...

    def __get__(self, instance: KioskConfig | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._values[self.key]

    def __set__(self, instance: KioskConfig, value: object) -> None:
        raise AttributeError(f"{self.key} is read-only: use config.replace({self.key}=...)")

    @property
    def expected(self) -> str:
        if self._expected:
            return self._expected
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(toml_text(choice) for choice in self.choices)
        if self.type in (int, float):
            noun = "a whole number" if self.type is int else "a number"
            unit = f" of {self.unit}" if self.unit else ""
            return f"{noun}{unit} from {toml_text(self.minimum)} to {toml_text(self.maximum)}"
        return "a string"

    @property
    def type_name(self) -> str:
        """The type as TOML calls it (for the docs)."""
        names = {bool: "boolean", int: "integer", float: "number", str: "string"}
        return names[self.type]

    def shown(self, value: object) -> str:
        return SECRET_MASK if self.secret and value != "" else toml_text(value)

    def validate(self, value: object) -> T:
        """`value` as this setting's type. TypeError (wrong type) or ValueError (not
        allowed), each naming the key and saying what was expected."""
        converted = self._convert(value)
        if converted == self.default or self._allowed(converted):
            return converted
        raise ValueError(f"{self.key} = {self.shown(value)}: expected {self.expected}")

    def _convert(self, value: object) -> Any:
        # bool is an int in Python but not in TOML: `max_unsent_rows = true` is a mistake.
        if self.type is bool:
            if isinstance(value, bool):
                return value
        elif isinstance(value, bool):
            pass
        elif self.type is int:
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif self.type is float:
            if isinstance(value, int | float):
                return float(value)
        elif isinstance(value, self.type):
            return value
        raise TypeError(f"{self.key} = {self.shown(value)}: expected {self.expected}")

    def accepts(self, value: object) -> Any:
        """The value converted to this setting's type, or ValueError saying what is
        expected (staff choices are checked with the same rule as kiosk.toml)."""
        try:
            converted = self._convert(value)
        except TypeError as error:
            raise ValueError(str(error)) from error
        if not self._allowed(converted):
            raise ValueError(f"{self.key} = {value!r}: expected {self.expected}")
        return converted

    def _allowed(self, value: Any) -> bool:
        # `not (a <= v)` rather than `v < a`: NaN (valid TOML) fails every bound.
        if self.minimum is not None and not self.minimum <= value:
            return False
        if self.maximum is not None and not value <= self.maximum:
            return False
        if self.choices and value not in self.choices:
            return False
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return False
        return self._check is None or self._check(value)
