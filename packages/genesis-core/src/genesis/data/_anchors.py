"""Anchors: a discrete column that nearly determines a continuous one.

Real tables hold numbers that a category all but fixes: a loan's interest
rate and its sub-grade, years of schooling and the degree, a product's price
and its model. Neural generators learn such links poorly (on loans, CTGAN
and TVAE left the synthetic sub-grade explaining under 8% of the rate's
variance instead of 99.8%), and a Gaussian copula only approximates them
through a rank correlation. Modelling instead the value's standardised
distance from its category's mean, and adding the generated category's mean
back, keeps the link by construction whatever the model gets wrong.

Both the table transformer (CTGAN, TVAE) and the Gaussian copula use this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from genesis._config import ConfigKey
from genesis.data._prepare import CONTINUOUS, DISCRETE, MISSING_SUFFIX, PreparedTable
from genesis.errors import ModelFileError

__all__ = [
    "ANCHOR_KEY",
    "ANCHOR_THRESHOLD",
    "Anchor",
    "check_threshold",
    "find_anchors",
]

# Default share of a continuous column's variance its anchor must explain.
ANCHOR_THRESHOLD = 0.9
# Categories with fewer training rows than this take the spread shared by
# all categories instead of their own, which a handful of rows estimates
# badly (and a single row would pin at that row's value).
_MIN_GROUP = 10
# A discrete column is only tried as an anchor when the sample has at least
# this many rows per category, so that chance cannot explain the variance.
_ROWS_PER_CATEGORY = 10


def check_threshold(value: Any) -> str | None:
    """Why ``value`` is not a valid anchor threshold, or None when it is."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number in (0, 1] or None"
    return None if 0.0 < value <= 1.0 else "must be in (0, 1] or None"


# The config key of every method that anchors (CTGAN, TVAE, the copula).
ANCHOR_KEY = ConfigKey(
    ANCHOR_THRESHOLD,
    (float, int, type(None)),
    check_threshold,
    "Share of a number's variance one category must explain for the number to "
    "be modelled relative to that category; None never does.",
)


@dataclass(frozen=True)
class Anchor:
    """A discrete column that nearly determines a continuous one.

    Attributes:
        key: The discrete column's prepared key.
        means: The continuous column's training mean per category code.
        scales: Its spread per code: the code's standard deviation, the
            spread shared by all codes for a code with few rows, 0 where the
            value is constant (the residual is then 0 and decoding gives the
            mean exactly).
        explained: Share of the continuous column's variance the codes
            explain, adjusted for their number.
    """

    key: str
    means: np.ndarray
    scales: np.ndarray
    explained: float

    @classmethod
    def fit(
        cls, key: str, values: np.ndarray, codes: np.ndarray, n_codes: int
    ) -> Anchor:
        counts = np.bincount(codes, minlength=n_codes).astype(np.float64)
        seen = counts > 0
        overall = float(values.mean()) if len(values) else 0.0
        sums = np.bincount(codes, weights=values, minlength=n_codes)
        means = np.full(n_codes, overall)
        means[seen] = sums[seen] / counts[seen]
        deviations = values - means[codes]
        squares = np.bincount(codes, weights=deviations**2, minlength=n_codes)
        scales = np.zeros(n_codes)
        scales[seen] = np.sqrt(squares[seen] / counts[seen])
        scales[counts < _MIN_GROUP] = float(
            np.sqrt(squares.sum() / max(len(values), 1))
        )
        total = float(((values - overall) ** 2).sum())
        explained = explained_share(total, float(squares.sum()), len(codes), n_codes)
        return cls(key, means, scales, explained)

    @property
    def exact(self) -> bool:
        """True when every category holds one value: the anchor fixes the column.

        Such a column is best modelled as it is (its values still carry
        their order and their links to other columns) and only set to its
        category's value on output: as a constant residual it would teach a
        model nothing, and TVAE's likelihood would weigh its tiny errors
        thousands of times over the other columns' as its output scale
        shrinks.
        """
        return not np.any(self.scales)

    def residuals(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Distance of each value from its code's mean, in its code's spread."""
        scales = self.scales[codes]
        centred = values - self.means[codes]
        return np.divide(centred, scales, out=np.zeros_like(centred), where=scales > 0)

    def restore(self, residuals: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Values from residuals and the codes generated for their rows."""
        return self.means[codes] + self.scales[codes] * residuals

    def modelled(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """What a model learns in place of ``values``: their residuals, or
        the values themselves when the anchor is :attr:`exact`."""
        return values if self.exact else self.residuals(values, codes)

    def output(self, modelled: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Values from what a model generated (see :meth:`modelled`) and the
        codes generated for their rows; an exact anchor gives its values."""
        return self.means[codes] if self.exact else self.restore(modelled, codes)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The anchor's arrays for a model file."""
        return {
            f"{prefix}.anchor_means": self.means,
            f"{prefix}.anchor_scales": self.scales,
        }

    def record(self) -> dict[str, Any]:
        """The anchor's JSON part for a model file."""
        return {"anchor": self.key, "anchor_explained": self.explained}

    @classmethod
    def from_record(
        cls,
        record: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        prefix: str,
    ) -> Anchor | None:
        """The anchor :meth:`record` and :meth:`arrays` saved, or None.

        Raises:
            ModelFileError: The record names an anchor whose arrays are missing.
        """
        if record.get("anchor") is None:
            return None
        found = []
        for name in (f"{prefix}.anchor_means", f"{prefix}.anchor_scales"):
            if name not in arrays:
                raise ModelFileError(
                    f"The saved model lacks the array {name!r} of the anchor of "
                    f"column {record.get('key')!r}; the file is damaged or was not "
                    "written by Genesis. Fit and save the model again."
                )
            found.append(np.asarray(arrays[name], dtype=np.float64))
        return cls(
            str(record["anchor"]),
            found[0],
            found[1],
            float(record.get("anchor_explained", 1.0)),
        )


def explained_share(total: float, within: float, n_rows: int, n_codes: int) -> float:
    """Share of variance explained by ``n_codes`` means, adjusted for their number.

    Args:
        total: Sum of squared deviations from the overall mean.
        within: Sum of squared deviations from each code's mean.
        n_rows: Rows summed over.
        n_codes: Codes (groups).
    """
    if total <= 0.0 or n_rows <= n_codes:
        return 0.0
    raw = 1.0 - within / total
    return 1.0 - (1.0 - raw) * (n_rows - 1) / (n_rows - n_codes)


def find_anchors(
    prepared: PreparedTable,
    rows: np.ndarray,
    threshold: float,
    max_categories: int,
) -> dict[str, Anchor]:
    """The anchor of each continuous column that has one.

    A discrete column qualifies when it is not a missing-value indicator,
    has 2 to ``max_categories`` categories and at least 10 sampled rows per
    category; the one explaining the largest share of a continuous column's
    variance, if that share is ``threshold`` or more, becomes its anchor.
    Candidates are judged on the sample ``rows``; the chosen anchor's means
    and spreads are then taken over every row, so that a category too rare
    for the sample still gets its own mean. Rows where the continuous column
    was missing (whose prepared values are stand-ins drawn at random) are
    left out of both.

    Returns:
        ``{continuous key: Anchor}``.
    """
    candidates = [
        column
        for column in prepared.columns
        if column.kind == DISCRETE
        and not column.is_missing_indicator
        and 2 <= column.n_categories <= max_categories
    ]
    anchors: dict[str, Anchor] = {}
    if not candidates:
        return anchors
    indicators = {c.key: c for c in prepared.columns if c.is_missing_indicator}
    for column in prepared.columns:
        if column.kind != CONTINUOUS:
            continue
        present = np.ones(prepared.n_rows, dtype=bool)
        indicator = indicators.get(column.key + MISSING_SUFFIX)
        if indicator is not None:
            present = indicator.values == 0
        sample = rows[present[rows]]
        if len(sample) < 2:
            continue
        values = column.values[sample]
        total = float(((values - values.mean()) ** 2).sum())
        best: tuple[float, Any] | None = None
        for candidate in candidates:
            if len(sample) < _ROWS_PER_CATEGORY * candidate.n_categories:
                continue
            codes = candidate.values[sample]
            n_codes = candidate.n_categories
            counts = np.bincount(codes, minlength=n_codes)
            sums = np.bincount(codes, weights=values, minlength=n_codes)
            means = np.divide(sums, counts, out=np.zeros(n_codes), where=counts > 0)
            within = float(((values - means[codes]) ** 2).sum())
            share = explained_share(total, within, len(codes), n_codes)
            if share >= threshold and (best is None or share > best[0]):
                best = (share, candidate)
        if best is not None:
            anchor = best[1]
            anchors[column.key] = Anchor.fit(
                anchor.key,
                column.values[present],
                anchor.values[present],
                anchor.n_categories,
            )
    return anchors
