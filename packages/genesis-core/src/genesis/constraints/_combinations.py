"""FixedCombinations: only combinations of values seen in training, with
a repair that draws a seen combination for a generated row."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.constraints._base import Constraint, _check_name
from genesis.constraints._values import _present
from genesis.data._conditions import ValueRange, shown_condition
from genesis.errors import InvalidConfigError, InvalidDataError, ModelFileError
from genesis.metadata import ColumnType, TableMetadata


class FixedCombinations(Constraint):
    """Only combinations of values of ``columns`` seen in training come out.

    For columns of few values, such as (city, state) or (education,
    education_num). A row where any of them is missing is not checked.

    Args:
        columns: Two or more columns of categories, text, booleans or whole
            numbers.
    """

    kind = "fixed_combinations"

    def __init__(self, columns: Sequence[Hashable]) -> None:
        if isinstance(columns, str) or not isinstance(columns, Sequence):
            raise InvalidConfigError(
                f"FixedCombinations takes a list of two or more columns, got "
                f"{columns!r}."
            )
        for column in columns:
            _check_name(column, "FixedCombinations", "each column")
        if len(columns) < 2 or len(set(columns)) != len(columns):
            raise InvalidConfigError(
                "FixedCombinations needs two or more different columns, got "
                f"{list(columns)!r}."
            )
        self._columns = tuple(columns)
        # Learnt by fit: each seen combination and how many rows have it.
        self._combinations: list[tuple[Any, ...]] = []
        self._counts: list[int] = []
        self._seen: set[tuple[Any, ...]] = set()

    def __repr__(self) -> str:
        return f"FixedCombinations({list(self._columns)!r})"

    @property
    def columns(self) -> tuple[Hashable, ...]:
        return self._columns

    def _learn(self, data: pd.DataFrame, metadata: TableMetadata) -> None:
        for column in self._columns:
            meta = metadata[column]
            if meta.column_type in (ColumnType.CONTINUOUS, ColumnType.DATETIME):
                raise InvalidDataError(
                    f"{self!r}: column {column!r} is {meta.column_type.value}, "
                    "with too many values to combine; FixedCombinations takes "
                    "columns of categories, text, booleans or whole numbers. Name "
                    "it in discrete_columns if its values are categories."
                )
        counts: dict[tuple[Any, ...], int] = {}
        for key in _row_keys(data, self._columns):
            if key is not None:
                counts[key] = counts.get(key, 0) + 1
        self._set_combinations(list(counts), list(counts.values()))

    def _set_combinations(
        self, combinations: list[tuple[Any, ...]], counts: list[int]
    ) -> None:
        self._combinations = combinations
        self._counts = counts
        self._seen = set(combinations)

    def _breach_text(self) -> str:
        return "have a combination never seen"

    def _broken(self, frame: pd.DataFrame) -> np.ndarray:
        present = np.logical_and.reduce(
            [_present(frame[c]).to_numpy() for c in self._columns]
        )
        if not self._combinations:
            return present
        # Whole columns at once; a set lookup per row took a third of the
        # generate time of a 500,000-row Adult table.
        rows = pd.MultiIndex.from_arrays([frame[c] for c in self._columns])
        seen = pd.MultiIndex.from_tuples(self._combinations)
        return present & ~rows.isin(seen)

    def _inverse_transform(
        self,
        frame: pd.DataFrame,
        rng: np.random.Generator,
        fixed: Iterable[Hashable] = (),
    ) -> None:
        broken = np.flatnonzero(self._broken(frame))
        if not len(broken):
            return
        fixed = set(fixed)
        anchor = next((i for i, c in enumerate(self._columns) if c in fixed), 0)
        choices: dict[Any, list[int]] = {}
        for index, combination in enumerate(self._combinations):
            choices.setdefault(combination[anchor], []).append(index)
        anchors = frame[self._columns[anchor]].iloc[broken].tolist()
        by_anchor: dict[Any, list[int]] = {}
        for row, value in zip(broken.tolist(), anchors, strict=True):
            # An anchor never seen with the other columns present is left to
            # rejection.
            if value in choices:
                by_anchor.setdefault(value, []).append(row)
        rows: list[int] = []
        picked: list[int] = []
        for value, group in by_anchor.items():
            options = choices[value]
            weights = np.asarray([self._counts[i] for i in options], dtype=float)
            drawn = rng.choice(len(options), size=len(group), p=weights / weights.sum())
            rows.extend(group)
            picked.extend(options[i] for i in drawn)
        if not rows:
            return
        for position, column in enumerate(self._columns):
            if position == anchor:
                continue
            series = frame[column].copy()
            values = [self._combinations[i][position] for i in picked]
            series.iloc[rows] = (
                pd.Series(values, dtype=object).astype(series.dtype).to_numpy()
            )
            frame[column] = series

    def _check_conditions(self, conditions: Mapping[Hashable, Any]) -> None:
        asked = {
            i: conditions[c]
            for i, c in enumerate(self._columns)
            if c in conditions and conditions[c] is not None
        }
        if len(asked) < 2:
            return
        if not any(
            all(_meets(combination[i], wanted) for i, wanted in asked.items())
            for combination in self._combinations
        ):
            shown = {
                self._columns[i]: shown_condition(wanted) for i, wanted in asked.items()
            }
            raise InvalidDataError(
                f"The conditions {shown!r} contradict {self!r}: that combination "
                "never occurs in the training data. Change the conditions or drop "
                "the constraint."
            )

    def to_dict(self) -> dict[str, Any]:
        try:
            combinations = [
                [encode_value(v) for v in combination]
                for combination in self._combinations
            ]
        except ModelFileError as exc:
            raise ModelFileError(
                f"{self!r} holds a value the model file cannot store: {exc} "
                "Nothing was saved."
            ) from exc
        return {
            "kind": self.kind,
            "columns": [encode_value(c) for c in self._columns],
            "combinations": combinations,
            "counts": self._counts,
        }

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> FixedCombinations:
        made = cls([decode_value(c) for c in data["columns"]])
        made._set_combinations(
            [tuple(decode_value(v) for v in c) for c in data["combinations"]],
            list(data["counts"]),
        )
        return made


def _meets(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, ValueRange):
        try:
            return bool(wanted.low <= value <= wanted.high)
        except TypeError:
            return False
    return bool(value == wanted)


def _row_keys(frame: pd.DataFrame, columns: Sequence[Hashable]) -> list:
    """Each row's values of ``columns`` as a tuple, or None where one is
    missing."""
    lists = [frame[c].tolist() for c in columns]
    present = np.logical_and.reduce([_present(frame[c]).to_numpy() for c in columns])
    return [
        key if ok else None
        for key, ok in zip(zip(*lists, strict=True), present, strict=True)
    ]
