"""Config specifications: the keys a method accepts, their types and defaults."""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from genesis.errors import InvalidConfigError

__all__ = [
    "ConfigKey",
    "ConfigSpec",
    "check_seed",
    "layer_sizes",
    "plain_name",
    "positive_int",
    "resolve_config",
]


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


def check_seed(seed: object) -> int | None:
    """``seed`` as a Python int, or None.

    numpy integers (from a grid of seeds, say) are taken as ints.

    Raises:
        InvalidConfigError: ``seed`` is not None nor a whole number of 0 or
            more (numpy seeds cannot be negative).
    """
    if seed is None:
        return None
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise InvalidConfigError(
            f"seed must be an integer of 0 or more, or None; got {seed!r} "
            f"({type(seed).__name__})."
        )
    if seed < 0:
        raise InvalidConfigError(
            f"seed must be an integer of 0 or more, or None; got {seed!r}."
        )
    return int(seed)


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


# Keys users bring from CTGAN and SDV whose setting is an argument here, not
# a config key.
_ARGUMENTS_ELSEWHERE = {
    "verbose": "Progress is an argument of fit instead: fit(data, progress=True) "
    "shows a bar.",
    "cuda": "The device is an argument of SyntheticGenerator instead: "
    "SyntheticGenerator(..., device='cuda').",
}


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python ones, lists as tuples.

    Grid searches hand over numpy integers; they are integers, and the model
    file's JSON takes only Python ones.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def plain_name(name: str) -> str:
    """A name a user writes, without case, underscores or hyphens, so that
    ``"GaussianCopula"``, ``"gaussian-copula"`` and ``"gaussian_copula"``
    compare equal."""
    return "".join(c for c in name.lower() if c.isalnum())


def _unknown_key_hint(key: Any, valid: list[str]) -> str:
    if key in _ARGUMENTS_ELSEWHERE:
        return _ARGUMENTS_ELSEWHERE[key]
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.8)
    return f"Did you mean {close[0]!r} for {key!r}?" if close else ""


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def resolve_config(
    method: str, spec: ConfigSpec, config: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check ``config`` against ``spec`` and fill in the defaults.

    Lists and arrays become tuples, so ``generator_dim=[128]`` and
    ``(128,)`` agree, and numpy numbers become Python ones.

    Raises:
        InvalidConfigError: A key is unknown, or a value has the wrong type
            or is out of range. The message lists the valid keys.
    """
    given = dict(config or {})
    unknown = sorted(set(given) - set(spec), key=str)
    valid = ", ".join(f"{k} (default {v.default!r})" for k, v in spec.items())
    if unknown:
        hints = [_unknown_key_hint(key, list(spec)) for key in unknown]
        advice = "".join(f" {hint}" for hint in hints if hint)
        raise InvalidConfigError(
            f"Method {method!r} has no config key(s) {unknown!r}.{advice} "
            f"Valid keys: {valid}."
        )
    resolved = {}
    for key, rule in spec.items():
        value = _plain(given.get(key, rule.default))
        if not _type_ok(value, rule.types):
            names = " or ".join(t.__name__ for t in rule.types)
            single = ""
            if tuple in rule.types and _type_ok(value, (int, float)):
                single = f" For a single value write ({value!r},)."
            raise InvalidConfigError(
                f"Config key {key!r} of method {method!r} must be {names}, got "
                f"{value!r} ({type(value).__name__}).{single} Valid keys: {valid}."
            )
        problem = rule.check(value) if rule.check else None
        if problem:
            raise InvalidConfigError(
                f"Config key {key!r} of method {method!r} {problem}; got {value!r}."
            )
        resolved[key] = value
    return resolved
