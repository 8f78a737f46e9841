"""How many children each generated parent gets: the real shape, the model's order.

A parent table's model learns the number of children of each row as one of
its columns (see :mod:`genesis.multitable._generator`). What that column
comes out as depends on the method: the Gaussian copula keeps a count's
empirical marginal, but a parametric family, CTGAN or TVAE smooth it, and a
lone parent with 300 children among parents with one to three comes back
with a handful. What the model does carry is which parents get more: the
order of its counts follows the parent's own columns.

So the two are split. Fitting keeps the real distribution of the positive
counts (:class:`CountShape`: each count and how many parents have it, an
aggregate that names no row). Generating keeps the model's decision of which
rows have children at all (the share of each pattern of having children is
held by the generator) and its order among the rows that have some, and
gives those rows the real positive counts by rank (:func:`calibrate_counts`):
rank ``r`` of ``m`` takes the real count at a quantile drawn uniformly in
``[r/m, (r+1)/m)``. When as many parents have children as in the real data,
they get exactly the real counts; ``k`` times as many get each real count
``k`` times; fewer get a random subset of them, unbiased in each count's
share, so a rare count appears as often as its share allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CountShape", "calibrate_counts"]


@dataclass(frozen=True)
class CountShape:
    """The real positive children counts of one relationship.

    Attributes:
        values: Each count some real parent has, ascending, all above zero.
        parents: How many real parents have each count.
    """

    values: np.ndarray
    parents: np.ndarray

    @classmethod
    def learn(cls, counts: np.ndarray) -> CountShape | None:
        """The shape of ``counts`` (one per real parent); None when all are zero."""
        counts = np.asarray(counts, dtype=np.int64)
        values, parents = np.unique(counts[counts > 0], return_counts=True)
        if values.size == 0:
            return None
        return cls(values=values, parents=parents.astype(np.int64))

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        """The count at each probability in ``u`` (in [0, 1))."""
        cumulative = np.cumsum(self.parents) / self.parents.sum()
        index = np.searchsorted(cumulative, u, side="right")
        return self.values[np.minimum(index, self.values.size - 1)]

    def to_json(self) -> dict[str, Any]:
        """The shape as JSON-able values; :meth:`from_json` reads it back."""
        return {"values": self.values.tolist(), "parents": self.parents.tolist()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CountShape:
        """Rebuild a shape written by :meth:`to_json`."""
        return cls(
            values=np.asarray(data["values"], dtype=np.int64),
            parents=np.asarray(data["parents"], dtype=np.int64),
        )


def calibrate_counts(
    generated: np.ndarray,
    shape: CountShape,
    rng: np.random.Generator,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """The real positive counts, given to the rows in the order of ``generated``.

    Args:
        generated: The model's counts, one per generated parent row; a row
            with a missing or non-positive count has no children.
        shape: The real positive counts.
        rng: Breaks ties between equal generated counts and draws the
            quantile inside each rank's stratum.
        reference: The model's counts over rows generated without
            conditions, when ``generated`` was drawn under some. A row's
            rank is then its place among the reference rows with children,
            so that rows of a subset keep where they stand in the whole
            table (parents asked to be large customers get the large real
            counts) instead of being spread over all the real counts.

    Returns:
        int64 counts: 0 where ``generated`` has none, else a real count, the
        larger ones on the rows with larger generated counts.
    """
    generated = np.nan_to_num(np.asarray(generated, dtype=np.float64), nan=0.0)
    having = np.flatnonzero(generated > 0)
    counts = np.zeros(generated.size, dtype=np.int64)
    if having.size == 0:
        return counts
    if reference is not None:
        pool = np.nan_to_num(np.asarray(reference, dtype=np.float64), nan=0.0)
        pool = np.sort(pool[pool > 0])
        if pool.size:
            values = generated[having]
            below = np.searchsorted(pool, values, side="left")
            equal = np.searchsorted(pool, values, side="right") - below
            strata = (below + rng.random(having.size) * equal) / pool.size
            counts[having] = shape.quantiles(np.minimum(strata, 1.0))
            return counts
    order = np.lexsort((rng.random(having.size), generated[having]))
    strata = (np.arange(having.size) + rng.random(having.size)) / having.size
    counts[having[order]] = shape.quantiles(strata)
    return counts
