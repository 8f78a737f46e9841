"""Constraints from rules written as data: a list of JSON objects, or a
JSON file holding one, as ``genesis fit --constraints`` reads it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from genesis._config import plain_name
from genesis.constraints._base import Constraint
from genesis.constraints._combinations import FixedCombinations
from genesis.constraints._inequality import Inequality
from genesis.constraints._range import Range
from genesis.errors import InvalidConfigError

# The rules a list may hold: each one's ``kind`` (the name the model file
# uses too), its class, and its keys, required then optional.
_RuleSpec = tuple[Callable[..., Constraint], tuple[str, ...], tuple[str, ...]]
_RULES: dict[str, _RuleSpec] = {
    Inequality.kind: (Inequality, ("low", "high"), ("strict",)),
    Range.kind: (Range, ("column",), ("low", "high")),
    FixedCombinations.kind: (FixedCombinations, ("columns",), ()),
}
_EXAMPLE = '[{"kind": "inequality", "low": "start", "high": "end"}]'


def constraints_from_rules(rules: Sequence[Mapping[str, Any]]) -> list[Constraint]:
    """Constraints from rules written as data, in their order.

    Each rule is a dict with a ``kind`` and the arguments of that kind's
    class; ``"type"`` is read as ``"kind"``::

        constraints_from_rules([
            {"kind": "inequality", "low": "start", "high": "end", "strict": False},
            {"kind": "range", "column": "age", "low": 18, "high": 99},
            {"kind": "fixed_combinations", "columns": ["city", "state"]},
        ])

    Raises:
        InvalidConfigError: ``rules`` is not a list, or a rule is not a
            dict, is of an unknown kind, lacks a key, has an unknown one or
            a bad value; the message names the rule's position (from 1).
    """
    if isinstance(rules, str | bytes | Mapping) or not isinstance(rules, Sequence):
        raise InvalidConfigError(
            f"constraints_from_rules takes a list of rules, such as {_EXAMPLE}; "
            f"got a {type(rules).__name__}."
        )
    return _from_rules(rules, "Rule")


def read_constraints(path: str | os.PathLike[str]) -> list[Constraint]:
    """Constraints from a UTF-8 JSON file holding a list of rules, the file
    ``genesis fit --constraints`` reads; see :func:`constraints_from_rules`
    for the rules.

    Raises:
        InvalidConfigError: The file cannot be read, is not UTF-8 JSON or
            not a list, or a rule is refused as by
            :func:`constraints_from_rules`; the message names the file and
            the rule's position (from 1).
    """
    return read_rules_file(Path(path), f"Constraints file {str(path)!r}")


def read_rules_file(path: Path, name: str) -> list[Constraint]:
    """:func:`read_constraints`, with messages that call the file ``name``
    (the command line names its option)."""
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidConfigError(f"{name} cannot be read: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise InvalidConfigError(
            f"{name} is not UTF-8 text; save it as UTF-8 JSON."
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidConfigError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}."
        ) from None
    if not isinstance(rules, list):
        raise InvalidConfigError(
            f"{name} must hold a JSON list of rules, such as {_EXAMPLE}; it "
            f"holds a {type(rules).__name__}."
        )
    return _from_rules(rules, f"{name}, rule")


def _from_rules(rules: Sequence[object], rule: str) -> list[Constraint]:
    """The constraints of ``rules``; a refused rule's message starts with
    ``rule`` and its position."""
    constraints = []
    for position, item in enumerate(rules, start=1):
        try:
            constraints.append(_constraint_from_rule(item))
        except InvalidConfigError as exc:
            raise InvalidConfigError(f"{rule} {position}: {exc}") from None
    return constraints


def _constraint_from_rule(rule: object) -> Constraint:
    if not isinstance(rule, Mapping):
        raise InvalidConfigError(
            f'each rule must be a JSON object with a "kind", got {rule!r}.'
        )
    arguments: dict[str, Any] = dict(rule)
    if "type" in arguments and "kind" not in arguments:
        arguments["kind"] = arguments.pop("type")
    if "kind" not in arguments:
        raise InvalidConfigError(
            f'the rule {dict(rule)!r} has no "kind"; give one of {sorted(_RULES)!r}.'
        )
    kind = arguments.pop("kind")
    if isinstance(kind, str):
        # "Inequality" or "FixedCombinations", as the classes are named.
        kind = {plain_name(name): name for name in _RULES}.get(plain_name(kind), kind)
    if not isinstance(kind, str) or kind not in _RULES:
        raise InvalidConfigError(
            f"the rule {dict(rule)!r} has kind {kind!r}, which is not one of "
            f"{sorted(_RULES)!r}."
        )
    make, required, optional = _RULES[kind]
    if missing := [key for key in required if key not in arguments]:
        raise InvalidConfigError(
            f"a rule of kind {kind!r} needs the keys {list(required)!r}; it "
            f"lacks {missing!r}."
        )
    if unknown := sorted(set(arguments) - set(required) - set(optional)):
        raise InvalidConfigError(
            f"a rule of kind {kind!r} takes the keys "
            f'{[*required, *optional]!r} besides "kind", not {unknown!r}.'
        )
    return make(**arguments)
