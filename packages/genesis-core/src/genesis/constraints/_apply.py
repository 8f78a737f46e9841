"""What the generator calls: check, fit, transform, inverse-transform and
save a list of constraints."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from genesis.constraints._base import Constraint
from genesis.constraints._inequality import Inequality
from genesis.errors import InvalidConfigError
from genesis.metadata import TableMetadata


def check_constraints(constraints: object) -> list[Constraint]:
    """The ``constraints=`` argument as a list, checked.

    Raises:
        InvalidConfigError: It is not a list of constraints.
    """
    if constraints is None:
        return []
    if isinstance(constraints, Constraint) or not isinstance(constraints, Sequence):
        raise InvalidConfigError(
            "constraints must be a list of genesis.constraints objects, such as "
            f"[Inequality('start', 'end')]; got {constraints!r}."
        )
    for constraint in constraints:
        if not isinstance(constraint, Constraint):
            raise InvalidConfigError(
                f"constraints holds {constraint!r}, which is not a constraint; use "
                "Inequality, Range or FixedCombinations from genesis.constraints."
            )
    return list(constraints)


def fit_constraints(
    constraints: Sequence[Constraint], data: pd.DataFrame, metadata: TableMetadata
) -> list[Constraint]:
    """Fitted copies of ``constraints``, in their order.

    Each column is transformed by one constraint at most; an Inequality whose
    column is already taken, or whose transform would feed on itself
    (``a <= b`` with ``b <= a``), is kept by rejection instead.

    Raises:
        InvalidDataError: As :meth:`Constraint._fitted`.
    """
    fitted = [constraint._fitted(data, metadata) for constraint in constraints]
    rebuilt_from: dict[Hashable, Hashable] = {}
    for constraint in fitted:
        column = constraint.transformed_column
        if column is None:
            continue
        assert isinstance(constraint, Inequality)
        kept = constraint._kept_column
        if column in rebuilt_from or column in _chain(rebuilt_from, kept):
            constraint._target = None
            continue
        rebuilt_from[column] = kept
    return fitted


def _inverse_order(constraints: Sequence[Constraint]) -> list[Constraint]:
    """Transforms first, each after the one that rebuilds the column it reads;
    then the others."""
    rebuilt_from = {
        c.transformed_column: c._kept_column
        for c in constraints
        if isinstance(c, Inequality) and c.transformed_column is not None
    }

    def depth(constraint: Constraint) -> int:
        if not isinstance(constraint, Inequality) or constraint._target is None:
            return len(constraints)
        return len(_chain(rebuilt_from, constraint._kept_column))

    return sorted(constraints, key=depth)


def transform_frame(
    constraints: Sequence[Constraint], data: pd.DataFrame
) -> pd.DataFrame:
    """``data`` as the model sees it (``data`` itself when nothing changes)."""
    if not any(c.transformed_column is not None for c in constraints):
        return data
    out = data.copy()
    for constraint in constraints:
        if constraint.transformed_column is not None:
            constraint._transform(data, out)
    return out


def inverse_transform_frame(
    constraints: Sequence[Constraint],
    frame: pd.DataFrame,
    rng: np.random.Generator,
    fixed: Iterable[Hashable] = (),
) -> pd.DataFrame:
    """Generated rows back in the columns' values, in place."""
    fixed = list(fixed)
    for constraint in _inverse_order(constraints):
        constraint._inverse_transform(frame, rng, fixed)
    return frame


def rows_meeting_constraints(
    constraints: Sequence[Constraint], frame: pd.DataFrame
) -> np.ndarray:
    """Which rows of ``frame`` meet every constraint."""
    met = np.ones(len(frame), dtype=bool)
    for constraint in constraints:
        met &= ~constraint._broken(frame)
    return met


def constraints_to_state(constraints: Sequence[Constraint]) -> list[dict[str, Any]]:
    return [constraint.to_dict() for constraint in constraints]


def constraints_from_state(state: Iterable[Mapping[str, Any]]) -> list[Constraint]:
    return [Constraint.from_dict(item) for item in state]


def _chain(rebuilt_from: Mapping[Hashable, Hashable], column: Hashable) -> list:
    """The columns ``column`` is rebuilt from, nearest first."""
    chain = []
    while column in rebuilt_from and column not in chain:
        chain.append(column)
        column = rebuilt_from[column]
    return chain
