"""Giving each generated child row a generated parent.

The cardinality model gives every generated parent row a number of children
(its *capacity*); the child's model gives every generated child row the
parent columns it was generated with (its *context*). Matching puts each
child row on the nearest parent, in those context columns, that still has
room, so that the children a parent ends with look like the children such a
parent has in the real data.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import spatial, stats

from genesis._values import decode_value, encode_value
from genesis.multitable._keys import datetime_ns

__all__ = [
    "ContextColumn",
    "assign_parents",
    "context_weights",
    "embed",
    "feature_matrix",
    "rank_by_demand",
    "round_to_total",
    "scale_capacity",
]

logger = logging.getLogger(__name__)

NUMERIC = "numeric"
DISCRETE = "discrete"
# Each child row looks at this many nearest open parents per round.
_NEIGHBOURS = 8
# After this many rounds the last child rows take any free slot.
_MAX_ROUNDS = 40
# Up to this many dimensions a k-d tree finds neighbours faster than
# comparing every child with every parent.
_MAX_TREE_DIMENSIONS = 12
# Child rows compared with every parent at once (bounds the distance matrix).
_CELLS_PER_CHUNK = 4_000_000
# Ties between parents with identical context are broken by this jitter.
_JITTER = 1e-6
# Ridge penalty of the context weights, relative to the mean feature variance.
_RIDGE = 1e-3
# No context dimension weighs less than this.
_MIN_WEIGHT = 0.1
# Children per parent at which a parent's demand and its own count weigh the
# same in deciding which parents get the larger counts.
_DEMAND_PRIOR = 4.0


@dataclass(frozen=True)
class ContextColumn:
    """One parent column copied next to the child rows it has.

    Attributes:
        parent_column: The column in the parent table.
        model_column: Its name in the child's model frame.
        kind: ``"numeric"`` (numbers and datetimes) or ``"discrete"``.
        centre: Mean of the real parent values (numeric).
        scale: Their standard deviation, 1 when zero (numeric).
        categories: The real parent categories (discrete), one dimension each.
        has_missing: The real parent column has missing values; a missing
            value gets a dimension of its own.
    """

    parent_column: Hashable
    model_column: str
    kind: str
    centre: float = 0.0
    scale: float = 1.0
    categories: tuple[object, ...] = field(default=())
    has_missing: bool = False

    def to_json(self) -> dict[str, Any]:
        """The column as JSON-able values; :meth:`from_json` reads it back."""
        return {
            "parent_column": encode_value(self.parent_column),
            "model_column": self.model_column,
            "kind": self.kind,
            "centre": self.centre,
            "scale": self.scale,
            "categories": [encode_value(v) for v in self.categories],
            "has_missing": self.has_missing,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContextColumn:
        """Rebuild a column written by :meth:`to_json`."""
        return cls(
            parent_column=decode_value(data["parent_column"]),
            model_column=str(data["model_column"]),
            kind=str(data["kind"]),
            centre=float(data["centre"]),
            scale=float(data["scale"]),
            categories=tuple(decode_value(v) for v in data["categories"]),
            has_missing=bool(data["has_missing"]),
        )


def numeric_values(series: pd.Series) -> np.ndarray:
    """float64 values of a numeric, boolean or datetime column; NaN where missing."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        nanos, missing = datetime_ns(series)
        values = nanos.astype(np.float64)
        values[missing] = np.nan
        return values
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )


def embed(columns: Mapping[str, pd.Series], spec: list[ContextColumn]) -> np.ndarray:
    """Points in context space: standardised numbers, one-hot categories.

    Args:
        columns: The values of each context column, by ``model_column``.
        spec: The context columns.
    """
    n = len(next(iter(columns.values()))) if columns else 0
    parts = []
    for column in spec:
        series = columns[column.model_column].reset_index(drop=True)
        if column.kind == NUMERIC:
            values = (numeric_values(series) - column.centre) / column.scale
            missing = np.isnan(values)
            parts.append(np.where(missing, 0.0, values)[:, None])
            if column.has_missing:
                parts.append(missing.astype(np.float64)[:, None])
        else:
            codes = pd.Categorical(series, categories=list(column.categories)).codes
            one_hot = np.zeros((n, len(column.categories) + 1))
            one_hot[
                np.arange(n), np.where(codes < 0, len(column.categories), codes)
            ] = 1
            parts.append(one_hot)
    if not parts:
        return np.zeros((n, 0))
    return np.hstack(parts)


def feature_matrix(frame: pd.DataFrame, max_categories: int) -> np.ndarray:
    """A child table's own columns as numbers, to predict its context from.

    Numbers and datetimes are standardised (missing as 0 plus an indicator);
    columns with at most ``max_categories`` categories are one-hot; wider
    categorical columns are left out.
    """
    parts = [np.ones((len(frame), 1))]
    for name in frame.columns:
        series = frame[name].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(series.dtype) or (
            pd.api.types.is_datetime64_any_dtype(series.dtype)
        ):
            values = numeric_values(series)
            missing = np.isnan(values)
            spread = np.nanstd(values) if (~missing).any() else 0.0
            centred = (values - np.nanmean(values)) / spread if spread > 0 else None
            if centred is not None:
                parts.append(np.where(missing, 0.0, centred)[:, None])
            if missing.any():
                parts.append(missing.astype(np.float64)[:, None])
        elif series.nunique(dropna=False) <= max_categories:
            codes = pd.factorize(series, use_na_sentinel=False)[0]
            parts.append(np.eye(codes.max() + 1)[codes][:, 1:])
    return np.hstack(parts)


def context_weights(features: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """How much each context dimension matters: sqrt of its R^2 from the child.

    A parent column the child's own columns predict well (the weather hour
    from the flight's hour) must be matched closely for the trends across
    the two tables to survive; one they do not predict (the temperature)
    matters little, and weighing it equally would pull matches away from
    the columns that do. Ridge regression on the real joined rows gives each
    dimension's R^2; the weight is floored so that no dimension is ignored.
    """
    n, d = targets.shape
    if n < 3 or d == 0:
        return np.ones(d)
    x = features - features.mean(axis=0)
    y = targets - targets.mean(axis=0)
    gram = x.T @ x
    ridge = _RIDGE * np.trace(gram) / max(gram.shape[0], 1) + 1e-12
    coefficients = np.linalg.solve(gram + ridge * np.eye(gram.shape[0]), x.T @ y)
    residual = ((y - x @ coefficients) ** 2).sum(axis=0)
    total = (y**2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        explained = np.where(total > 0, 1.0 - residual / total, 0.0)
    return np.sqrt(np.clip(explained, _MIN_WEIGHT**2, 1.0))


def scale_capacity(
    counts: np.ndarray,
    total: int,
    rng: np.random.Generator,
    most: int | None = None,
) -> np.ndarray:
    """Integer capacities proportional to ``counts`` that add up to ``total``.

    Parents with no children keep none, and, while ``total`` allows, those
    with children keep at least one. When every count is zero the children
    spread evenly. Remainders go to parents at random in proportion to their
    fractional parts. With ``most``, no parent gets more than ``most``; the
    slots above it go to parents with room, those with more children first,
    so ``total`` must not pass ``most`` times the number of parents.
    """
    counts = np.nan_to_num(np.asarray(counts, dtype=np.float64), nan=0.0)
    counts = np.maximum(counts, 0.0)
    if total <= 0 or counts.size == 0:
        return np.zeros(counts.size, dtype=np.int64)
    capacity = _proportional_capacity(counts, total, rng)
    if most is None:
        return capacity
    return _spill(capacity, counts, most, rng)


def _spill(
    capacity: np.ndarray, counts: np.ndarray, most: int, rng: np.random.Generator
) -> np.ndarray:
    """``capacity`` with the slots above ``most`` moved to parents with room."""
    excess = int(np.maximum(capacity - most, 0).sum())
    capacity = np.minimum(capacity, most)
    # Parents without children take the slots no parent with children can.
    weights = counts + 1e-9
    while excess > 0:
        room = np.flatnonzero(capacity < most)
        if room.size == 0:
            raise ValueError(f"{excess} slots found no parent with room.")
        share = weights[room] / weights[room].sum()
        chosen = rng.choice(room, size=min(excess, room.size), replace=False, p=share)
        capacity[chosen] += 1
        excess -= chosen.size
    return capacity


def _proportional_capacity(
    counts: np.ndarray, total: int, rng: np.random.Generator
) -> np.ndarray:
    if counts.sum() <= 0:
        counts = np.ones(counts.size)
    having = counts > 0
    if total >= having.sum():
        # Every parent with children keeps at least one, so that scaling
        # down does not thin out the parents that have any.
        rest = np.where(having, np.maximum(counts - 1.0, 0.0), 0.0)
        if rest.sum() <= 0:
            rest = having.astype(np.float64)
        return having.astype(np.int64) + round_to_total(
            rest, total - int(having.sum()), rng
        )
    return round_to_total(counts, total, rng)


def round_to_total(
    counts: np.ndarray, total: int, rng: np.random.Generator
) -> np.ndarray:
    """Integers proportional to ``counts`` (not all zero) adding up to ``total``."""
    if total <= 0:
        return np.zeros(counts.size, dtype=np.int64)
    exact = counts * (total / counts.sum())
    capacity = np.floor(exact).astype(np.int64)
    short = int(total - capacity.sum())
    if short > 0:
        fractions = exact - capacity
        chosen = rng.choice(
            counts.size, size=short, replace=False, p=fractions / fractions.sum()
        )
        capacity[chosen] += 1
    return capacity


def rank_by_demand(
    capacity: np.ndarray,
    children: np.ndarray,
    parents: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The same capacities, moved towards the parents the child rows crowd around.

    Each child row gives weight to its k nearest parents, 1 to the nearest
    and less to the others the farther they are: a parent's *demand*. The
    capacities are then handed out again, largest first, in the order of a
    blend of each parent's demand rank and its own capacity rank. The
    multiset of capacities, and so the cardinality and the share of parents
    with children, is unchanged; what changes is which parents get many
    children.

    Why: the child rows' context follows the real parents weighted by their
    children, whatever its shape, while a parent's own model can tie its
    count to its columns only as its method allows (the Gaussian copula:
    monotonically), which misses flights crowding into the morning hours of
    the weather table, or three airports of 1458 taking every departure.
    Demand is noisy when parents have few children each, so the blend leans
    on demand in proportion to the children per parent.
    """
    if parents.shape[0] < 2 or children.shape[0] == 0:
        return capacity
    children, parents = _reduce(children, parents, np.ones(parents.shape[0]))
    k = min(_NEIGHBOURS, parents.shape[0])
    distances, nearest = _nearest(
        children, parents + rng.normal(0.0, _JITTER, size=parents.shape), k
    )
    # A Gaussian kernel on the distance beyond each child's nearest parent,
    # as wide as the typical nearest distance: parents about as close as the
    # nearest share its weight, farther ones (another category) get little.
    width = max(float(np.median(distances[:, 0])), _JITTER)
    excess = distances**2 - distances[:, :1] ** 2
    weights = np.exp(-excess / (2.0 * width**2))
    demand = np.bincount(
        nearest.ravel(), weights=weights.ravel(), minlength=parents.shape[0]
    )
    # Demand from m children per parent is noisy in proportion to
    # 1/sqrt(m): with few children per parent the parent's own count leads.
    per_parent = capacity.sum() / max(int((capacity > 0).sum()), 1)
    trust = per_parent / (per_parent + _DEMAND_PRIOR)
    score = trust * stats.rankdata(demand) + (1.0 - trust) * stats.rankdata(capacity)
    order = np.lexsort((rng.random(parents.shape[0]), capacity, score))
    ranked = np.empty_like(capacity)
    ranked[order] = np.sort(capacity)
    return ranked


def assign_parents(
    n_children: int,
    children: np.ndarray | None,
    parents: np.ndarray | None,
    capacity: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The parent row of each child row, filling each parent up to its capacity.

    Rounds of child rows (in random order) propose to their nearest parents
    with room left; each parent keeps the closest proposers up to its room.
    Rows left after the last round take the free slots at random.

    Args:
        n_children: How many child rows need a parent.
        children: Child points in context space, or None for no context.
        parents: Parent points in the same space, or None.
        capacity: Slots per parent; adds up to ``n_children``.
        rng: Breaks ties and orders the children.

    Returns:
        int64 parent positions, one per child row.
    """
    capacity = np.asarray(capacity, dtype=np.int64).copy()
    if children is None or parents is None or children.shape[1] == 0:
        slots = np.repeat(np.arange(capacity.size), capacity)
        return rng.permutation(slots)[:n_children]

    assigned = np.full(n_children, -1, dtype=np.int64)
    children, parents = _reduce(children, parents, capacity)
    parents = parents + rng.normal(0.0, _JITTER, size=parents.shape)
    pending = rng.permutation(n_children)
    for _ in range(_MAX_ROUNDS):
        open_parents = np.flatnonzero(capacity > 0)
        if pending.size == 0 or open_parents.size == 0:
            break
        k = min(_NEIGHBOURS, open_parents.size)
        distances, nearest = _nearest(children[pending], parents[open_parents], k)
        candidates = open_parents[nearest]
        waiting = np.ones(pending.size, dtype=bool)
        for choice in range(k):
            rows = np.flatnonzero(waiting)
            if rows.size == 0:
                break
            targets = candidates[rows, choice]
            accepted = _accept(targets, distances[rows, choice], capacity)
            taken = rows[accepted]
            assigned[pending[taken]] = targets[accepted]
            capacity -= np.bincount(targets[accepted], minlength=capacity.size)
            waiting[taken] = False
        pending = pending[waiting]
    if pending.size:
        slots = rng.permutation(np.repeat(np.arange(capacity.size), capacity))
        assigned[pending] = slots[: pending.size]
        logger.debug("%d child rows took a free slot at random.", pending.size)
    return assigned


def _reduce(
    children: np.ndarray, parents: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Project both point sets on the leading principal axes of the open parents.

    Past a dozen dimensions (one-hot categories add one each) a k-d tree
    compares nearly every pair; the leading axes keep most of the spread and
    let it prune.
    """
    if parents.shape[1] <= _MAX_TREE_DIMENSIONS:
        return children, parents
    open_parents = parents[capacity > 0]
    weights = capacity[capacity > 0].astype(np.float64)
    centre = weights @ open_parents / weights.sum()
    centred = (open_parents - centre) * np.sqrt(weights / weights.sum())[:, None]
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:_MAX_TREE_DIMENSIONS].T
    return (children - centre) @ axes, (parents - centre) @ axes


def _accept(
    targets: np.ndarray, distances: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Which proposals each parent accepts: the closest, up to its capacity."""
    order = np.lexsort((distances, targets))
    sorted_targets = targets[order]
    starts = np.flatnonzero(np.r_[True, sorted_targets[1:] != sorted_targets[:-1]])
    group_sizes = np.diff(np.r_[starts, sorted_targets.size])
    rank = np.arange(sorted_targets.size) - np.repeat(starts, group_sizes)
    accepted = np.zeros(targets.size, dtype=bool)
    accepted[order[rank < capacity[sorted_targets]]] = True
    return accepted


def _nearest(
    points: np.ndarray, reference: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest reference rows of each point, closest first."""
    if reference.shape[1] <= _MAX_TREE_DIMENSIONS:
        distances, indices = spatial.cKDTree(reference).query(points, k=k)
        if k == 1:
            distances, indices = distances[:, None], indices[:, None]
        return distances, indices.astype(np.int64)
    squared_reference = np.einsum("ij,ij->i", reference, reference)
    chunk = max(1, _CELLS_PER_CHUNK // max(reference.shape[0], 1))
    all_distances = np.empty((points.shape[0], k))
    all_indices = np.empty((points.shape[0], k), dtype=np.int64)
    for start in range(0, points.shape[0], chunk):
        block = points[start : start + chunk]
        squared = (
            np.einsum("ij,ij->i", block, block)[:, None]
            - 2.0 * block @ reference.T
            + squared_reference[None, :]
        )
        if k < reference.shape[0]:
            indices = np.argpartition(squared, k - 1, axis=1)[:, :k]
        else:
            indices = np.tile(np.arange(reference.shape[0]), (block.shape[0], 1))
        picked = np.take_along_axis(squared, indices, axis=1)
        order = np.argsort(picked, axis=1)
        all_indices[start : start + chunk] = np.take_along_axis(indices, order, axis=1)
        all_distances[start : start + chunk] = np.sqrt(
            np.maximum(np.take_along_axis(picked, order, axis=1), 0.0)
        )
    return all_distances, all_indices
