"""Config specifications: the keys a method accepts, their types and defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from genesis.errors import InvalidConfigError

__all__ = ["ConfigKey", "ConfigSpec", "layer_sizes", "positive_int", "resolve_config"]


@dataclass(frozen=True)
class ConfigKey:
    """One accepted config key.

    Attributes:
        default: The value used when the user gives none.
        types: The Python types a value may have (``bool`` is never taken
            for ``int``).
        check: Optional function returning an error sentence for a bad value,
            or None when the value is fine.
        doc: One line saying what the key does.
    """

    default: Any
    types: tuple[type, ...]
    check: Callable[[Any], str | None] | None = None
    doc: str = ""


ConfigSpec = Mapping[str, ConfigKey]


def positive_int(value: Any) -> str | None:
    return None if value > 0 else "must be a positive integer"


def positive_number(value: Any) -> str | None:
    return None if value > 0 else "must be positive"


def non_negative_number(value: Any) -> str | None:
    return None if value >= 0 else "must be zero or more"


def layer_sizes(value: Any) -> str | None:
    if all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        return None
    return "must be a tuple of positive layer widths, for example (256, 256)"


def one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {list(choices)!r}"

    return check


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def resolve_config(
    method: str, spec: ConfigSpec, config: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check ``config`` against ``spec`` and fill in the defaults.

    Lists become tuples, so ``generator_dim=[128]`` and ``(128,)`` agree.

    Raises:
        InvalidConfigError: A key is unknown, or a value has the wrong type
            or is out of range. The message lists the valid keys.
    """
    given = dict(config or {})
    unknown = sorted(set(given) - set(spec), key=str)
    valid = ", ".join(f"{k} (default {v.default!r})" for k, v in spec.items())
    if unknown:
        raise InvalidConfigError(
            f"Method {method!r} has no config key(s) {unknown!r}. Valid keys: {valid}."
        )
    resolved = {}
    for key, rule in spec.items():
        value = given.get(key, rule.default)
        if isinstance(value, list):
            value = tuple(value)
        if not _type_ok(value, rule.types):
            names = " or ".join(t.__name__ for t in rule.types)
            raise InvalidConfigError(
                f"Config key {key!r} of method {method!r} must be {names}, got "
                f"{value!r} ({type(value).__name__}). Valid keys: {valid}."
            )
        problem = rule.check(value) if rule.check else None
        if problem:
            raise InvalidConfigError(
                f"Config key {key!r} of method {method!r} {problem}; got {value!r}."
            )
        resolved[key] = value
    return resolved
