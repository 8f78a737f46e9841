"""Conditional generation: the user's conditions and the backends' own.

A user's condition names a column and a value, a range or None (its missing
rows); :func:`check_column_condition` checks it against the column's fitted
plan and :func:`rows_meeting` keeps the restored rows that meet it.

A backend's condition maps a prepared column key to a code (discrete column)
or to a ``(low, high)`` range (continuous column). Generators steer towards
the condition where they can (CTGAN's conditional vector) and keep only the
rows that meet every condition, so the result is exact.
"""

from __future__ import annotations

import difflib
import functools
import logging
import numbers
import os
import queue
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from genesis.data._numbers import read_restored_numbers
from genesis.data._times import read_restored_times
from genesis.errors import ConditionNotMetError, InvalidDataError
from genesis.metadata import ColumnType

__all__ = [
    "BatchThreads",
    "Condition",
    "ValueRange",
    "check_column_condition",
    "collect_rows",
    "parse_conditions",
    "pin_pooled_codes",
    "rows_meeting",
    "shown_condition",
    "usable_cpus",
]

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Generation gives up when this many times the rows asked for (and at least
# this many batches) have been made without meeting the conditions: the
# condition is then rarer than 1 in 100.
_REJECTION_FACTOR = 100


@dataclass(frozen=True)
class Condition:
    """One parsed condition on a prepared column."""

    key: str
    code: int | None = None
    low: float | None = None
    high: float | None = None

    @property
    def is_discrete(self) -> bool:
        return self.code is not None

    def met(self, values: np.ndarray) -> np.ndarray:
        if self.code is not None:
            return values == self.code
        return (values >= self.low) & (values <= self.high)

    def describe(self) -> str:
        if self.code is not None:
            return f"{self.key!r} == code {self.code}"
        return f"{self.low} <= {self.key!r} <= {self.high}"


def parse_conditions(
    conditions: Mapping[str, Any] | None,
    categories: Mapping[str, int],
    continuous: Mapping[str, tuple[float, float]],
) -> list[Condition]:
    """Check ``conditions`` against the fitted columns.

    Args:
        conditions: Prepared column key to a code or a ``(low, high)`` range.
        categories: Number of codes of each discrete prepared column.
        continuous: Observed ``(lower, upper)`` of each continuous column.

    Raises:
        InvalidDataError: A key is not a fitted column, a code is out of
            range, or a range is empty or of the wrong shape.
    """
    parsed: list[Condition] = []
    for key, value in (conditions or {}).items():
        if key in categories:
            parsed.append(_discrete_condition(key, value, categories[key]))
        elif key in continuous:
            parsed.append(_range_condition(key, value))
        else:
            known = sorted([*categories, *continuous])
            raise InvalidDataError(
                f"conditions names column {key!r}, which the generator was not "
                f"fitted on. Fitted columns: {known!r}."
            )
    return parsed


def _discrete_condition(key: str, value: Any, n_codes: int) -> Condition:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidDataError(
            f"The condition on discrete column {key!r} must be an integer code, "
            f"got {value!r} ({type(value).__name__})."
        )
    if not 0 <= int(value) < n_codes:
        raise InvalidDataError(
            f"The condition on discrete column {key!r} asks for code {value}, but "
            f"the column has codes 0 to {n_codes - 1}."
        )
    return Condition(key, code=int(value))


def _range_condition(key: str, value: Any) -> Condition:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError) as error:
        raise InvalidDataError(
            f"The condition on continuous column {key!r} must be a (low, high) "
            f"pair of numbers, got {value!r}."
        ) from error
    if not low <= high:
        raise InvalidDataError(
            f"The condition on continuous column {key!r} has low {low} above high "
            f"{high}; give the range as (low, high)."
        )
    return Condition(key, low=low, high=high)


# -- conditions on the user's columns ------------------------------------------
#
# SyntheticGenerator.generate checks each condition against the column's
# fitted plan (a TablePreparer plan: meta, key, mode, has_missing,
# categories, constant, timezone), then keeps the restored rows that meet it.


class ValueRange(NamedTuple):
    """A checked ``(low, high)`` condition, in the column's own terms.

    ``read`` turns the restored column into values comparable with the
    bounds (times, for a datetime column stored as objects, text or whole
    numbers); None when the column compares as it is. ``written`` is the
    condition as the user gave it (one value or a pair), for messages; None
    when it was not kept.
    """

    low: Any
    high: Any
    read: Callable[[pd.Series], pd.Series] | None = None
    written: Any = None


def check_column_condition(
    plan: Any, wanted: Any
) -> tuple[Any, tuple[str, int] | None]:
    """Check the condition ``wanted`` on the column fitted as ``plan``.

    Returns:
        The condition in the column's own terms (a :class:`ValueRange`, a
        value seen in training, or None for the missing rows), and the
        prepared column key and code a model can steer towards, or None.

    Raises:
        InvalidDataError: Names the column and what no row could meet.
    """
    name = plan.meta.name
    if plan.mode == "identifier":
        raise InvalidDataError(
            f"Column {name!r} is an identifier: Genesis writes new values for it "
            "rather than learning them, so it cannot be a condition. Remove it "
            "from conditions."
        )
    if _is_missing(wanted):
        return None, _missing_code(plan)
    if plan.mode == "empty":
        raise InvalidDataError(
            f"The condition on column {name!r} asks for {wanted!r}, a value never "
            "seen in training: the column was missing in every row, so only None "
            "can be asked of it."
        )
    if not plan.meta.is_discrete:
        return _check_range(plan, wanted), None
    categories = [plan.constant] if plan.mode == "constant" else plan.categories
    # Python counts True equal to 1 and 1.0. In a column that holds both
    # kinds, a condition of one never asks for the other; in a column of
    # booleans alone, 1 asks for True.
    kinds = {_is_bool(value) for value in categories}
    matches = [
        code
        for code, value in enumerate(categories)
        if _same(value, wanted)
        and (len(kinds) == 1 or _is_bool(value) == _is_bool(wanted))
    ]
    if matches:
        # In a column of several types, 1 and 1.0 are both asked for by 1:
        # the one of the condition's own type is the closer.
        exact = [code for code in matches if type(categories[code]) is type(wanted)]
        code = (exact or matches)[0]
        steer = None if plan.mode == "constant" else (plan.key, code)
        return categories[code], steer
    if _is_pair(wanted):
        if all(map(_is_number, (*categories, *wanted))):
            return _discrete_range(name, categories, wanted), None
        raise InvalidDataError(
            f"Column {name!r} is discrete, so its condition must be one of its "
            f"values, not the range {wanted!r}; ranges are for numbers and times. "
            f"Seen values include {categories[:10]!r}."
        )
    # The text "2008" for the number 2008, or the reverse: the message would
    # otherwise call unseen a value it then lists.
    retyped = [
        value
        for value in categories
        if isinstance(value, str) != isinstance(wanted, str)
        and str(value).strip() == str(wanted).strip()
    ]
    if retyped:
        raise InvalidDataError(
            f"Condition {name!r} = {wanted!r} is {_kind(wanted)}, but the column "
            f"holds {retyped[0]!r} as {_kind(retyped[0])}: write {retyped[0]!r}."
        )
    raise InvalidDataError(
        f"Condition {name!r} = {wanted!r} names a value never seen in training; "
        f"{_closest_value(wanted, categories)}seen values include "
        f"{categories[:10]!r}."
    )


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    return "a number" if _is_number(value) else f"a {type(value).__name__}"


def _closest_value(wanted: Any, categories: list[Any]) -> str:
    """``"did you mean 'E'? "`` for text that matches a seen value but for
    case and surrounding spaces, or is one typo from a single one; else
    an empty string."""
    if not isinstance(wanted, str):
        return ""
    texts = [value for value in categories if isinstance(value, str)]
    plain = wanted.strip().casefold()
    same = [value for value in texts if value.strip().casefold() == plain]
    if len(same) == 1:
        return f"did you mean {same[0]!r}? "
    close = difflib.get_close_matches(wanted, texts, n=2, cutoff=0.8)
    return f"did you mean {close[0]!r}? " if len(close) == 1 else ""


def _discrete_range(name: Hashable, categories: list[Any], wanted: Any) -> ValueRange:
    """A range on a discrete column of numbers (a count, say), checked.

    No single code steers towards a range, so the rows are kept by filtering.
    """
    low, high = wanted
    _refuse_reversed(name, low, high)
    if not any(low <= value <= high for value in categories):
        raise InvalidDataError(
            f"The condition on column {name!r} asks for {wanted!r}, but no value "
            f"seen in training lies in that range; seen values include "
            f"{sorted(categories)[:10]!r}."
        )
    return ValueRange(low, high, written=wanted)


def _refuse_reversed(name: Hashable, low: Any, high: Any) -> None:
    if low > high:
        raise InvalidDataError(
            f"The condition on column {name!r} has low {low!r} above high {high!r}, "
            "so no row can meet it; give the range as (low, high)."
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _missing_code(plan: Any) -> tuple[str, int] | None:
    if not (plan.has_missing or plan.mode == "empty"):
        raise InvalidDataError(
            f"The condition on column {plan.meta.name!r} asks for missing values, "
            "but the column had no missing values in training, so the generator "
            "makes none."
        )
    if plan.mode == "discrete":
        return plan.key, len(plan.categories)
    if plan.mode == "empty":
        return None
    # Imported here because _prepare imports this module.
    from genesis.data._prepare import MISSING_SUFFIX

    # Numeric and datetime columns carry a separate missing/present column.
    return plan.key + MISSING_SUFFIX, 1


def _check_range(plan: Any, wanted: Any) -> ValueRange:
    """``wanted`` (a range or one value) as bounds the column compares with."""
    name = plan.meta.name
    bounds = wanted if _is_pair(wanted) else (wanted, wanted)
    low, high = (_bound(plan, bound, wanted) for bound in bounds)
    _refuse_reversed(name, low, high)
    read = None
    if plan.meta.column_type == ColumnType.DATETIME:
        read = functools.partial(read_restored_times, plan)
    elif getattr(plan, "number_format", None) is not None:
        # Numbers written as text ("$1,234.50") are compared as numbers.
        read = functools.partial(read_restored_numbers, plan)
    if plan.mode == "constant":
        constant = plan.constant
        if isinstance(low, pd.Timestamp):
            constant = _bound(plan, constant, wanted)
        if not low <= constant <= high:
            raise InvalidDataError(
                f"The condition on column {name!r} asks for {wanted!r}, values "
                f"never seen in training: the column held only {plan.constant!r}."
            )
    return ValueRange(low, high, read, written=wanted)


def refuse_unreachable_range(plan: Any, condition: Any) -> None:
    """Refuse a range on a number column that lies wholly outside the values
    seen in training.

    Every method's generated values are kept within that range, so no row
    could meet it: asking for x of 1,000 where x ran from 11 to 80 drew about
    12,000 rows before it said the condition was too rare. Only for columns
    the model sees as the user wrote them (no constraint rewrites them).
    """
    if (
        not isinstance(condition, ValueRange)
        or plan.mode != "continuous"
        or plan.meta.column_type not in (ColumnType.CONTINUOUS, ColumnType.INTEGER)
        or not (_is_number(condition.low) and _is_number(condition.high))
    ):
        return
    origin = 0 if plan.origin is None else plan.origin
    seen_low, seen_high = origin + plan.lower, origin + plan.upper
    if condition.high < seen_low or condition.low > seen_high:
        raise InvalidDataError(
            f"The condition on column {plan.meta.name!r} asks for "
            f"{condition.written!r}, but the column ran from {seen_low:g} to "
            f"{seen_high:g} in training, and generated values stay within that "
            "range; ask for values in it."
        )


def _bound(plan: Any, bound: Any, wanted: Any) -> Any:
    """One bound of a range on a numeric or datetime column, checked.

    Times become Timestamps in the column's zone; a time without a zone is
    read as the column's local time, or as UTC in a column of text whose
    UTC offsets differ between rows.
    """
    name = plan.meta.name
    if _is_missing(bound):
        raise InvalidDataError(
            f"The condition on column {name!r}, {wanted!r}, has a missing bound; "
            "give both bounds, or None alone to ask for the column's missing rows."
        )
    if plan.meta.column_type != ColumnType.DATETIME:
        if not _is_number(bound):
            raise InvalidDataError(
                f"The condition on numeric column {name!r} must be a number or a "
                f"(low, high) range of numbers, got {wanted!r}."
            )
        return bound
    stamp = layout_bound(plan, bound)
    if stamp is None:
        refuse_two_readings(bound, f"The condition on datetime column {name!r}")
        try:
            is_number = isinstance(bound, numbers.Number)
            stamp = None if is_number else pd.Timestamp(bound)
        except (TypeError, ValueError):
            stamp = None
    if stamp is None:
        raise InvalidDataError(
            f"The condition on datetime column {name!r} must be a date or time or a "
            f"(low, high) range of them; {bound!r} in {wanted!r} is not one."
        )
    zone = _zone(plan)
    if zone is None:
        if stamp.tz is not None:
            raise InvalidDataError(
                f"Column {name!r} holds times without a time zone, but the "
                f"condition {wanted!r} has one; give its times without a zone "
                "(for example with .tz_convert(None))."
            )
        return stamp
    if stamp.tz is None:
        # As when times are generated: a repeated wall time is standard time.
        return stamp.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    return stamp.tz_convert(zone)


def _zone(plan: Any) -> Any:
    """The time zone of a datetime column: its objects' own zone, for a
    column of Python dates and times, else the zone's name, or None."""
    example = getattr(plan, "time_example", None)
    if example is not None:
        return getattr(example, "tzinfo", None)
    if getattr(plan, "time_offsets", None) is not None:
        # Offsets differ between rows: bounds are compared as instants.
        return "UTC"
    return plan.timezone


def layout_bound(plan: Any, bound: Any) -> pd.Timestamp | None:
    """A bound written like the column's own values (``20240320`` in a
    column of whole numbers in "%Y%m%d"), read in the column's layout; None
    when the column has no layout or the bound does not read in it."""
    layout = getattr(plan, "time_format", None)
    is_whole = isinstance(bound, numbers.Integral) and not _is_bool(bound)
    if layout is None or not (isinstance(bound, str) or is_whole):
        return None
    text = str(int(bound)) if is_whole else bound
    width = (getattr(plan, "time_style", None) or {}).get("width")
    if is_whole and width:
        text = text.zfill(width)
    try:
        return pd.to_datetime(text, format=layout)
    except (TypeError, ValueError):
        return None


# Day and month first, each at most 12, then the year: 05/02/2024, 5.2.24.
_DAY_MONTH = re.compile(r"\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})(?!\d)")


def two_readings(bound: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The month-first and day-first readings of a text date such as
    ``"05/02/2024"`` when they are different days; None for any other
    value (year-first text such as ISO's reads one way only)."""
    if not isinstance(bound, str):
        return None
    match = _DAY_MONTH.match(bound)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(3))
    if first == second or not (1 <= first <= 12 and 1 <= second <= 12):
        return None
    try:
        return (
            pd.to_datetime(bound, dayfirst=False),
            pd.to_datetime(bound, dayfirst=True),
        )
    except (TypeError, ValueError):
        return None


def refuse_two_readings(bound: Any, subject: str) -> None:
    """Raise when text ``bound`` reads as two different days; ``subject``
    names what it bounds."""
    readings = two_readings(bound)
    if readings is not None:
        month_first, day_first = (f"{r:%Y-%m-%d}" for r in readings)
        raise InvalidDataError(
            f"{subject}: {bound!r} reads as {month_first} month first and "
            f"{day_first} day first; write it year first ({month_first!r} or "
            f"{day_first!r}) or as a Timestamp."
        )


def _is_pair(wanted: Any) -> bool:
    if isinstance(wanted, np.ndarray):
        return wanted.shape == (2,)
    return isinstance(wanted, tuple | list) and len(wanted) == 2


def _is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pd.NA, whatever their numpy or pandas type."""
    if not pd.api.types.is_scalar(value):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _same(value: Any, wanted: Any) -> bool:
    try:
        return bool(value == wanted)
    except (TypeError, ValueError):
        return False


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def rows_meeting(frame: pd.DataFrame, conditions: Mapping[Hashable, Any]) -> np.ndarray:
    """Which rows of ``frame`` meet every checked condition."""
    mask = np.ones(len(frame), dtype=bool)
    for column, wanted in conditions.items():
        series = frame[column]
        if isinstance(wanted, ValueRange):
            if wanted.read is not None:
                series = wanted.read(series)
            met = (series >= wanted.low) & (series <= wanted.high)
        elif wanted is None:
            met = series.isna()
        else:
            met = series == wanted
            if series.dtype == object:
                # True == 1 == 1.0 in Python. ``wanted`` is a seen value, and
                # the cells are seen values too, so its own type must match.
                met &= series.map(_type_of(wanted)).astype(bool)
        mask &= met.fillna(False).to_numpy(dtype=bool)
    return mask


def _type_of(wanted: Any) -> Callable[[Any], bool]:
    """Whether a cell is of exactly ``wanted``'s type."""
    kind = type(wanted)
    return lambda cell: type(cell) is kind


def shown_condition(wanted: Any) -> Any:
    """A checked condition as the user wrote it, for messages: one value as
    that value, a range as a ``(low, high)`` tuple, numpy scalars as plain
    Python ones."""
    if isinstance(wanted, ValueRange):
        written = wanted.written
        if written is None:
            # Not kept: equal bounds stand for one value.
            same = _same(wanted.low, wanted.high)
            written = wanted.low if same else (wanted.low, wanted.high)
        if _is_pair(written):
            return tuple(plain_value(bound) for bound in written)
        return plain_value(written)
    return plain_value(wanted)


def plain_value(value: Any) -> Any:
    """A numpy scalar as the Python or pandas value it stands for."""
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


class BatchThreads:
    """Threads that make generation batches side by side.

    Each batch is drawn from its own seed, so the rows do not depend on how
    many threads made them or in which order they finished. The threads
    start at once and run ``setup`` before the constructor returns, so a
    framework setting that ``setup`` changes for the whole process can be
    put back right after. They are daemon threads, so they neither keep the
    interpreter alive nor refuse work while it shuts down.

    Args:
        workers: Number of threads.
        setup: Run once on each thread before its first batch; a backend
            sets its framework's per-thread state there.
        name: Start of the threads' names.

    Raises:
        ValueError: ``workers`` is below 1.
    """

    def __init__(
        self,
        workers: int,
        setup: Callable[[], None] | None = None,
        name: str = "genesis-generate",
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        ready = threading.Barrier(workers + 1)
        failures: list[BaseException] = []
        self._threads = [
            threading.Thread(
                target=self._serve,
                args=(setup, ready, failures),
                name=f"{name}-{number}",
                daemon=True,
            )
            for number in range(workers)
        ]
        for thread in self._threads:
            thread.start()
        ready.wait()
        if failures:
            self._stop()
            raise failures[0]

    @classmethod
    def shared(
        cls,
        workers: int,
        setup: Callable[[], None] | None = None,
        name: str = "genesis-generate",
    ) -> BatchThreads:
        """Threads kept for the rest of the process, one set per arguments.

        Starting threads (and a framework's per-thread state) for every call
        costs more than a small batch: a stream of 16,384-row blocks ran
        about a tenth slower. A forked child starts its own threads, since
        a fork copies none.
        """
        key = (workers, setup, name, os.getpid())
        with _SHARED_LOCK:
            threads = _SHARED.get(key)
            if threads is None:
                for stale in [k for k in _SHARED if k[-1] != key[-1]]:
                    del _SHARED[stale]
                threads = _SHARED[key] = cls(workers, setup, name)
            return threads

    def map(self, function: Callable[[int], T], indices: Iterable[int]) -> list[T]:
        """``function`` of each index, in the order of ``indices``.

        Called from one of these threads (a batch that itself generates), it
        runs the indices in turn there instead of waiting for its own
        threads. If the caller is interrupted, batches not yet started are
        dropped.
        """
        if threading.current_thread() in self._threads:
            return [function(index) for index in indices]
        futures: list[Future[T]] = []
        for index in indices:
            future: Future[T] = Future()
            self._tasks.put((future, function, index))
            futures.append(future)
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Let the threads finish their batches and stop.

        Shared threads (:meth:`shared`) stay: other calls may be using them.
        """
        if any(threads is self for threads in _SHARED.values()):
            return
        self._stop()

    def _stop(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join()

    def _serve(
        self,
        setup: Callable[[], None] | None,
        ready: threading.Barrier,
        failures: list[BaseException],
    ) -> None:
        try:
            if setup is not None:
                setup()
        except BaseException as error:  # noqa: BLE001 - raised by the constructor
            failures.append(error)
        ready.wait()
        while (task := self._tasks.get()) is not None:
            future, function, index = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(index))
            except BaseException as error:  # noqa: BLE001 - raised by map's caller
                future.set_exception(error)


_Task = tuple[Future[Any], Callable[[int], Any], int]
_SharedKey = tuple[int, Callable[[], None] | None, str, int]
_SHARED: dict[_SharedKey, BatchThreads] = {}
_SHARED_LOCK = threading.Lock()


def usable_cpus() -> int:
    """CPUs this process may run on, at most ``OMP_NUM_THREADS`` when set.

    ``OMP_NUM_THREADS`` is the usual way to cap a process's threads (Dask's
    worker processes set it to 1), so our own threads honour it as the
    numerical libraries' do.
    """
    if hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:
        cpus = os.cpu_count() or 1
    try:
        limit = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return cpus
    return max(1, min(cpus, limit))


def collect_rows(
    produce: Callable[[int, int], dict[str, np.ndarray]],
    n: int,
    conditions: list[Condition],
    batch_size: int,
    threads: BatchThreads | None = None,
) -> dict[str, np.ndarray]:
    """Make batches until ``n`` rows meet every condition.

    Args:
        produce: ``produce(count, index)`` makes ``count`` decoded rows of
            batch ``index``; a batch's rows must depend only on its index.
        n: Rows wanted.
        conditions: Every kept row meets all of them.
        batch_size: Rows asked of ``produce`` per call, at most.
        threads: Make this many batches at a time on these threads, or None
            to make them one after another. The rows returned are the same
            either way.

    Raises:
        ConditionNotMetError: The conditions are met by fewer than one row in
            a hundred, so ``n`` rows were not found in reasonable time.
    """

    def run(make: Callable[[int], dict[str, np.ndarray]], indices: range):
        if threads is None:
            return [make(index) for index in indices]
        return threads.map(make, indices)

    if n == 0 or not conditions:
        counts = [min(batch_size, n - done) for done in range(0, n, batch_size)]
        if not counts:
            return produce(0, 0)
        return _concatenate(
            run(lambda index: produce(counts[index], index), range(len(counts)))
        )

    # Batches are judged in index order, exactly as if made one at a time,
    # so the rows and the point of giving up do not depend on the threads.
    # Waves start at one batch and double, so a condition most rows meet
    # costs one batch, not one per thread.
    kept: list[dict[str, np.ndarray]] = []
    found = made = index = 0
    wave = 1
    limit = _REJECTION_FACTOR * n + 4 * batch_size
    while found < n:
        batches = run(lambda i: produce(batch_size, i), range(index, index + wave))
        index += wave
        wave = min(2 * wave, threads.workers if threads is not None else 1)
        for rows in batches:
            if found >= n:
                break
            if made >= limit:
                described = " and ".join(c.describe() for c in conditions)
                raise ConditionNotMetError(
                    f"Only {found} of {n} rows met {described} after generating "
                    f"{made} rows (a share of {found / made:.4%}). The condition is "
                    "too rare for this model; widen the range, ask for fewer rows, "
                    "or fit with more epochs."
                )
            made += batch_size
            met = np.logical_and.reduce([c.met(rows[c.key]) for c in conditions])
            if met.any():
                kept.append({key: values[met] for key, values in rows.items()})
                found += int(met.sum())
    result = _concatenate(kept)
    logger.debug("Generated %d rows to keep %d meeting the conditions", made, n)
    return {key: values[:n] for key, values in result.items()}


def pin_pooled_codes(
    rows: dict[str, np.ndarray],
    conditions: list[Condition],
    code_to_slot: Callable[[str, int], int],
) -> dict[str, np.ndarray]:
    """Give rows the asked-for code where they hold another code of its slot.

    A discrete column with very many codes pools its rare codes into one
    slot of its span, which decodes to one of them at random. A row whose
    slot is the asked-for code's slot matches the condition as far as the
    model can tell, so it gets that code.
    """
    for condition in conditions:
        if not condition.is_discrete:
            continue
        values = rows[condition.key]
        slot = code_to_slot(condition.key, condition.code)
        same_slot = [
            code
            for code in np.unique(values)
            if code_to_slot(condition.key, int(code)) == slot
        ]
        values[np.isin(values, same_slot)] = condition.code
    return rows


def _concatenate(chunks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(chunks) == 1:
        return chunks[0]
    return {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}
