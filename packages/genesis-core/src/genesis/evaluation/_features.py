"""One numeric encoding of real, synthetic and holdout rows, and distances on it.

ML efficacy, detection and the privacy distances all read the same float
matrix, built here from the real table's statistics:

- a number or datetime becomes its position in the real values' cumulative
  distribution (in [0, 1], read between a few quantile knots by straight
  lines), so a column with a long tail weighs no more than one without; a
  missing value sits at 0.5 and sets a missing indicator column;
- a category becomes a one-hot block over the real table's most frequent
  values (rarer values and values only other tables have share one "other"
  slot), scaled by 1/sqrt(2) so that two different categories are as far
  apart as the two ends of a numeric column.

Nearest-neighbour distances are computed in blocks of queries, so memory stays
bounded whatever the table sizes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from genesis.evaluation._data import NUMERIC_TYPES, _discrete_column, _numeric_column
from genesis.metadata import ColumnType, TableMetadata

__all__ = [
    "MAX_CLASSES",
    "OTHER_CLASS",
    "Features",
    "encode_features",
    "encode_target",
    "exact_matches",
    "nearest_distances",
]

MAX_CATEGORIES = 30
# Classes an ML efficacy target keeps; rarer ones are predicted as one.
MAX_CLASSES = 30
OTHER_CLASS = "(other)"
# Knots of the piecewise-linear distribution function numbers are read
# through: about the square root of the real values, at most this many.
MAX_KNOTS = 101
_ONE_HOT = 1.0 / math.sqrt(2.0)
# Queries per block are chosen so one block of squared distances stays near
# this many float32 cells (64 MiB).
_BLOCK_CELLS = 16 * 1024 * 1024


@dataclass(frozen=True)
class Features:
    """The encoded tables.

    Attributes:
        matrices: One float32 matrix per table name, rows in the table's order.
        names: One name per matrix column, such as ``"age"``,
            ``"age (missing)"`` or ``"sex=Male"``.
        columns: The user columns encoded, in order.
        numeric: Per matrix column, whether it comes from a number or datetime
            (as opposed to a one-hot or missing-indicator slot).
    """

    matrices: dict[str, np.ndarray]
    names: list[str]
    columns: list[Hashable]
    numeric: np.ndarray


def encode_features(
    metadata: TableMetadata,
    frames: Mapping[str, pd.DataFrame],
    reference: str,
    exclude: Sequence[Hashable] = (),
) -> Features:
    """Encode every frame with statistics of ``frames[reference]``.

    Identifier columns and ``exclude`` are left out.

    Raises:
        InvalidDataError: A column of another frame cannot be read as the
            reference column's type.
    """
    names = list(frames)
    lengths = [len(frames[name]) for name in names]
    blocks: list[np.ndarray] = []
    feature_names: list[str] = []
    numeric_flags: list[bool] = []
    columns: list[Hashable] = []
    for column in metadata:
        if column.column_type is ColumnType.IDENTIFIER or column.name in exclude:
            continue
        real, others, role = _split(frames, reference, column.name)
        columns.append(column.name)
        if column.column_type in NUMERIC_TYPES:
            pair = _numeric_column(column, real, others, role)
            values = np.concatenate([pair.real, pair.synthetic])
            block, labels = _rank_block(column.name, pair.real, values)
            flags = [True] + [False] * (len(labels) - 1)
        else:
            pair = _discrete_column(column, real, others, role)
            codes = np.concatenate([pair.real, pair.synthetic])
            block, labels = _one_hot_block(column.name, pair, codes)
            flags = [False] * len(labels)
        blocks.append(block)
        feature_names.extend(labels)
        numeric_flags.extend(flags)

    everything = (
        np.hstack(blocks) if blocks else np.zeros((sum(lengths), 0), dtype=np.float32)
    )
    # The reference frame was put first by _split; the others follow in order.
    order = [reference] + [n for n in names if n != reference]
    matrices = {}
    start = 0
    for name in order:
        stop = start + len(frames[name])
        matrices[name] = np.ascontiguousarray(everything[start:stop])
        start = stop
    return Features(
        matrices=matrices,
        names=feature_names,
        columns=columns,
        numeric=np.array(numeric_flags, dtype=bool),
    )


def encode_target(
    metadata: TableMetadata,
    frames: Mapping[str, pd.DataFrame],
    reference: str,
    target: Hashable,
) -> tuple[dict[str, np.ndarray], list[object] | None]:
    """The target column of every frame, as the models read it.

    Returns:
        Per frame, float64 values (regression) or int64 class codes
        (classification), with NaN or -1 where the target is missing; and the
        class labels for a discrete target, None for a numeric one. Past
        :data:`MAX_CLASSES` classes, the rarer ones in the real data share
        the last class, :data:`OTHER_CLASS`.
    """
    column = metadata[target]
    real, others, role = _split(frames, reference, target)
    order = [reference] + [n for n in frames if n != reference]
    if column.column_type in NUMERIC_TYPES:
        pair = _numeric_column(column, real, others, role)
        values = np.concatenate([pair.real, pair.synthetic])
        classes = None
    else:
        pair = _discrete_column(column, real, others, role)
        codes = np.concatenate([pair.real, pair.synthetic])
        classes = list(pair.categories)
        if len(classes) > MAX_CLASSES:
            # Categories come most frequent first: the rarest share one
            # class, so the work does not grow with one model per value.
            classes = [*classes[:MAX_CLASSES], OTHER_CLASS]
        values = np.minimum(codes, len(classes) - 1)
        values = np.where(codes == pair.missing_code, -1, values)
    out = {}
    start = 0
    for name in order:
        stop = start + len(frames[name])
        out[name] = values[start:stop]
        start = stop
    return out, classes


def nearest_distances(
    queries: np.ndarray, reference: np.ndarray, k: int = 1
) -> np.ndarray:
    """Euclidean distance from each query row to its ``k`` closest reference rows.

    Candidates are found in float32 blocks; the distances to them are then
    computed again in float64, so an exact copy measures exactly 0.

    Returns:
        Float64 array of shape (queries, k), closest first; inf where the
        reference has fewer than ``k`` rows.
    """
    n_queries, n_reference = len(queries), len(reference)
    out = np.full((n_queries, k), np.inf)
    if n_queries == 0 or n_reference == 0:
        return out
    # One spare candidate absorbs float32 rounding between near ties.
    candidates = min(k + 1, n_reference)
    reference32 = np.asarray(reference, dtype=np.float32)
    reference_norms = np.einsum("ij,ij->i", reference32, reference32)
    block = max(1, _BLOCK_CELLS // n_reference)
    for start in range(0, n_queries, block):
        rows = np.asarray(queries[start : start + block], dtype=np.float32)
        # The query's own norm is the same for every reference row, so it is
        # left out: the order of the candidates does not need it.
        squared = rows @ reference32.T
        squared *= -2.0
        squared += reference_norms[None, :]
        nearest = _smallest(squared, candidates)
        gaps = reference[nearest].astype(np.float64) - queries[
            start : start + block, None, :
        ].astype(np.float64)
        exact = np.sort(np.sqrt(np.einsum("ijk,ijk->ij", gaps, gaps)), axis=1)
        width = min(k, exact.shape[1])
        out[start : start + len(rows), :width] = exact[:, :width]
    return out


def _smallest(values: np.ndarray, count: int) -> np.ndarray:
    """Column indices of the ``count`` smallest values of each row.

    For the few candidates needed, repeated argmin is several times faster
    than argpartition, which copies and partitions every row.
    """
    rows = np.arange(len(values))
    picks = np.empty((len(values), count), dtype=np.int64)
    for position in range(count):
        picks[:, position] = values.argmin(axis=1)
        values[rows, picks[:, position]] = np.inf
    return picks


def exact_matches(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Whether each query row is identical to some reference row."""
    if len(queries) == 0 or len(reference) == 0:
        return np.zeros(len(queries), dtype=bool)
    width = queries.shape[1]
    keys = _row_keys(np.ascontiguousarray(reference, dtype=np.float32), width)
    asked = _row_keys(np.ascontiguousarray(queries, dtype=np.float32), width)
    return np.isin(asked, keys)


def _row_keys(matrix: np.ndarray, width: int) -> np.ndarray:
    return matrix.view(np.dtype((np.void, 4 * width))).ravel()


def _split(
    frames: Mapping[str, pd.DataFrame], reference: str, name: Hashable
) -> tuple[pd.Series, pd.Series, str]:
    """The reference column, the other frames' column after it, and their
    names for an error message (``"synthetic or holdout"``)."""
    real = frames[reference][name].reset_index(drop=True)
    keys = [key for key in frames if key != reference]
    others = [frames[key][name].reset_index(drop=True) for key in keys]
    role = " or ".join(keys)
    if not others:
        return real, real.iloc[:0], role
    combined = pd.concat(others, ignore_index=True) if len(others) > 1 else others[0]
    # Mixed dtypes (a nullable integer next to a float) concatenate as object;
    # the column readers convert them back.
    return real, combined, role


def _rank_block(
    name: Hashable, real: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    observed = np.sort(real[~np.isnan(real)])
    missing = np.isnan(values)
    position = np.full(values.shape, 0.5)
    if observed.size:
        present = values[~missing]
        # Knots at a few quantiles, joined by straight lines. Ranking every
        # real value instead would space the real rows evenly and crowd any
        # other rows into the gaps between them, so fresh rows would sit
        # nearer each other, and nearer the synthetic rows, than real rows
        # ever do: honest data would read as leaking, and members as
        # outsiders.
        n_knots = min(MAX_KNOTS, max(2, round(math.sqrt(observed.size))))
        knots = np.unique(np.quantile(observed, np.linspace(0.0, 1.0, n_knots)))
        left = np.searchsorted(observed, knots, side="left")
        right = np.searchsorted(observed, knots, side="right")
        inside = np.interp(present, knots, (left + right) / (2.0 * observed.size))
        position[~missing] = np.where(
            present < knots[0], 0.0, np.where(present > knots[-1], 1.0, inside)
        )
    if not missing.any():
        return position[:, None].astype(np.float32), [str(name)]
    block = np.column_stack([position, missing.astype(np.float64)])
    return block.astype(np.float32), [str(name), f"{name} (missing)"]


def _one_hot_block(
    name: Hashable, pair: object, codes: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    real_counts = np.bincount(pair.real, minlength=pair.n_codes)
    kept = [c for c in range(pair.n_codes) if real_counts[c] > 0][:MAX_CATEGORIES]
    slot = np.full(pair.n_codes, len(kept), dtype=np.int64)
    slot[kept] = np.arange(len(kept))
    labels = [
        f"{name}=(missing)"
        if c == pair.missing_code
        else f"{name}={pair.categories[c]}"
        for c in kept
    ]
    n_slots = len(kept) + 1
    if len(kept) == pair.n_codes or not (slot[codes] == len(kept)).any():
        n_slots = len(kept)
    else:
        labels.append(f"{name}=(other)")
    block = np.zeros((len(codes), n_slots), dtype=np.float32)
    slots = slot[codes]
    inside = slots < n_slots
    block[np.flatnonzero(inside), slots[inside]] = _ONE_HOT
    return block, labels
