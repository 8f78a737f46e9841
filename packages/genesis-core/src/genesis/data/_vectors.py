"""Conditional vectors CTGAN needs beyond what ConditionalSampler gives.

:class:`genesis.data.ConditionalSampler` draws training conditions by
log-frequency from the encoded training matrix. Two more are needed here:

* generation conditions, which must be drawn the same way after a model is
  loaded, when the training matrix is gone: :class:`ConditionVectors` keeps
  only the share of each category slot;
* training conditions by plain frequency (``log_frequency=False``): pick a
  discrete column uniformly and a training row uniformly, and condition on
  that row's category, which picks each category by its frequency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genesis.data import ColumnSpan, SpanKind
from genesis.errors import InvalidDataError

__all__ = ["ConditionVectors", "FrequencySampler"]


def _category_spans(spans: Sequence[ColumnSpan]) -> list[ColumnSpan]:
    return [s for s in spans if s.kind == SpanKind.CATEGORY_ONE_HOT]


def _cond_spans(category_spans: Sequence[ColumnSpan]) -> list[ColumnSpan]:
    """Where each category span sits inside the conditional vector."""
    placed, position = [], 0
    for span in category_spans:
        placed.append(
            ColumnSpan(span.column, span.kind, position, position + span.width)
        )
        position += span.width
    return placed


def _one_hot(positions: np.ndarray, width: int) -> np.ndarray:
    cond = np.zeros((len(positions), width), dtype=np.float32)
    cond[np.arange(len(positions)), positions] = 1.0
    return cond


@dataclass(frozen=True)
class ConditionVectors:
    """Draws generation conditions: a discrete column uniformly, then a
    category slot by its share of the training rows.

    Attributes:
        cond_spans: Each discrete column's place in the conditional vector.
        shares: ``(width,)`` share of the training rows in each slot, per
            discrete column.
    """

    cond_spans: list[ColumnSpan]
    shares: np.ndarray

    @classmethod
    def from_matrix(
        cls, matrix: np.ndarray, spans: Sequence[ColumnSpan]
    ) -> ConditionVectors:
        categories = _category_spans(spans)
        columns = [matrix[:, s.start : s.stop] for s in categories]
        shares = [c.sum(axis=0, dtype=np.float64) / max(len(c), 1) for c in columns]
        flat = np.concatenate(shares) if shares else np.zeros(0)
        return cls(_cond_spans(categories), flat)

    @property
    def width(self) -> int:
        return int(self.shares.shape[0])

    def original(self, batch: int, rng: np.random.Generator) -> np.ndarray:
        """``(batch,)`` positions of the 1 of conditions drawn by real share.

        Raises:
            InvalidDataError: The table has no discrete column.
        """
        if not self.cond_spans:
            raise InvalidDataError(
                "The table has no discrete column, so there is no conditional vector."
            )
        starts = np.array([s.start for s in self.cond_spans], dtype=np.int64)
        widths = np.array([s.width for s in self.cond_spans], dtype=np.int64)
        cumulative = np.ones((len(starts), widths.max()))
        for row, span in enumerate(self.cond_spans):
            shares = self.shares[span.start : span.stop]
            cumulative[row, : span.width] = np.cumsum(shares) / shares.sum()
            cumulative[row, span.width - 1 :] = 1.0
        columns = rng.integers(len(starts), size=batch)
        draws = rng.random(batch)
        slots = (cumulative[columns] <= draws[:, None]).sum(axis=1)
        slots = np.minimum(slots, widths[columns] - 1)
        return starts[columns] + slots

    def fixed(self, key: str, slot: int, batch: int) -> np.ndarray:
        """``(batch,)`` positions of conditions that all pick ``slot`` of ``key``.

        Raises:
            InvalidDataError: ``key`` is not a discrete column of the vector.
        """
        for span in self.cond_spans:
            if span.column == key:
                return np.full(batch, span.start + slot, dtype=np.int64)
        raise InvalidDataError(
            f"Column {key!r} is not a discrete column of the conditional vector; "
            f"its columns are {[s.column for s in self.cond_spans]!r}."
        )

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"column": s.column, "start": s.start, "stop": s.stop}
            for s in self.cond_spans
        ]

    @classmethod
    def from_state(
        cls, spans: Sequence[Mapping[str, Any]], shares: np.ndarray
    ) -> ConditionVectors:
        cond_spans = [
            ColumnSpan(
                s["column"], SpanKind.CATEGORY_ONE_HOT, int(s["start"]), int(s["stop"])
            )
            for s in spans
        ]
        return cls(cond_spans, np.asarray(shares, dtype=np.float64))


class FrequencySampler:
    """Training conditions by plain frequency, with the real row they came from.

    Same return values as :meth:`ConditionalSampler.sample_training`.
    """

    def __init__(self, matrix: np.ndarray, spans: Sequence[ColumnSpan]) -> None:
        categories = _category_spans(spans)
        self.cond_spans = _cond_spans(categories)
        self.width = sum(s.width for s in categories)
        self.n_rows = int(matrix.shape[0])
        # Position in the conditional vector of each row's category, per column.
        self._positions = np.empty((self.n_rows, len(categories)), dtype=np.int64)
        for number, (span, cond) in enumerate(
            zip(categories, self.cond_spans, strict=True)
        ):
            slots = np.argmax(matrix[:, span.start : span.stop], axis=1)
            self._positions[:, number] = cond.start + slots

    def sample_training(
        self, batch: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_discrete = len(self.cond_spans)
        rows = rng.integers(self.n_rows, size=batch)
        if n_discrete == 0:
            empty = np.zeros((batch, 0), dtype=np.float32)
            return empty, empty.copy(), rows
        columns = rng.integers(n_discrete, size=batch)
        mask = np.zeros((batch, n_discrete), dtype=np.float32)
        mask[np.arange(batch), columns] = 1.0
        cond = _one_hot(self._positions[rows, columns], self.width)
        return cond, mask, rows
