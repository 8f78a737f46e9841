"""What CTGAN and TVAE do alike around their training: batches, logs, epochs."""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from genesis.data import ColumnSpan, EncodedTable, PreparedTable, SpanKind
from genesis.errors import ModelFileError
from genesis.protocols import ProgressCallback, ProgressEvent
from genesis_torch._conditions import Condition, parse_conditions

__all__ = [
    "ColumnSummary",
    "adam",
    "column_summary",
    "fit_batch_size",
    "log_cost",
    "run_epochs",
    "thread_count",
    "time_trial_steps",
    "warn_dominant_span",
]

logger = logging.getLogger(__name__)

# A discrete column wider than this share of the encoded matrix dominates
# what the networks spend their capacity on.
DOMINANT_SHARE = 0.5
# ... and has at least this many categories: a small table with a handful of
# columns can have a 5-category column over half its width, which is harmless.
DOMINANT_MIN_WIDTH = 50
# Fewest updates an epoch makes, however small the table (see fit_batch_size).
MIN_STEPS_PER_EPOCH = 8
# A seeded fit warns when one thread runs a step this many times faster.
_SLOW_THREADS_FACTOR = 2.0
# Adam keeps two moments per value and the backward pass one gradient.
_VALUES_PER_PARAMETER = 4


def adam(
    module: nn.Module, lr: float, weight_decay: float, betas: tuple[float, float]
) -> torch.optim.Adam:
    """Adam over ``module``'s parameters, in one fused kernel per step.

    torch fuses Adam on CPU from version 2.4; older versions update the
    parameters tensor-list-wise instead.
    """
    on_cpu = all(p.device.type == "cpu" for p in module.parameters())
    fused = not on_cpu or torch.__version__ >= "2.4"
    return torch.optim.Adam(
        module.parameters(),
        lr=lr,
        betas=betas,
        weight_decay=weight_decay,
        fused=fused or None,
        foreach=None if fused else True,
    )


def fit_batch_size(batch_size: int, n_rows: int, multiple: int = 1) -> int:
    """The batch size a fit uses: ``batch_size``, or less for a small table.

    An epoch makes one update per batch, so on a table of only a few batches
    the networks would barely train in the epochs users give. The batch is
    therefore at most 1/MIN_STEPS_PER_EPOCH of the rows, rounded down to a
    multiple of ``multiple`` and never less than ``multiple``; on a table of
    MIN_STEPS_PER_EPOCH batches or more, ``batch_size`` is used as it is.
    """
    largest = max(multiple, n_rows // MIN_STEPS_PER_EPOCH // multiple * multiple)
    if batch_size <= largest:
        return batch_size
    logger.info(
        "The table has %d rows, fewer than %d batches of %d; using batches of %d "
        "rows, so that each epoch makes at least %d updates.",
        n_rows,
        MIN_STEPS_PER_EPOCH,
        batch_size,
        largest,
        MIN_STEPS_PER_EPOCH,
    )
    return largest


def warn_dominant_span(spans: Sequence[ColumnSpan]) -> None:
    """Warn when one discrete column takes over half the encoded width."""
    width = max((s.stop for s in spans), default=0)
    for span in spans:
        if (
            span.kind == SpanKind.CATEGORY_ONE_HOT
            and span.width > DOMINANT_SHARE * width
            and span.width >= DOMINANT_MIN_WIDTH
        ):
            warnings.warn(
                f"Discrete column {span.column!r} takes {span.width} of the {width} "
                "encoded columns, so the networks spend most of their capacity on "
                "it and training is slower. If each value is (nearly) unique, "
                "declare the column an identifier; otherwise group its rare values "
                "into fewer categories or drop the column.",
                stacklevel=4,
            )


@contextlib.contextmanager
def thread_count(threads: int) -> Iterator[None]:
    """Run torch's CPU operations on ``threads`` threads, then restore the setting."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def time_trial_steps(
    run_step: Callable[[], None], device: torch.device, *, adaptive: bool = False
) -> tuple[float, int]:
    """Time a training step with torch's thread count and with one thread.

    Small networks gain little from more threads, and on a busy machine
    threads that wait for each other can make a step many times slower.
    Results on CPU can differ in their last bits between thread counts, so
    only an ``adaptive`` fit (one without a seed) switches to the faster
    count; a seeded fit keeps torch's count, so that it repeats exactly, and
    a warning says when one thread would be much faster.

    Args:
        run_step: Runs one step on a throwaway copy of the model.
        device: Where the step runs; on a GPU the thread count is kept.
        adaptive: Pick the faster thread count.

    Returns:
        Seconds of one step with the chosen count, and that count.
    """
    current = torch.get_num_threads()
    candidates = [current] if device.type != "cpu" or current == 1 else [current, 1]
    seconds: dict[int, float] = {}
    for threads in candidates:
        with thread_count(threads):
            for _ in range(2):
                start = time.perf_counter()
                run_step()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                elapsed = time.perf_counter() - start
                seconds[threads] = min(seconds.get(threads, elapsed), elapsed)
    chosen = min(seconds, key=seconds.__getitem__) if adaptive else current
    single = seconds.get(1, seconds[current])
    if chosen != 1 and single * _SLOW_THREADS_FACTOR < seconds[chosen]:
        warnings.warn(
            f"A training step takes {seconds[chosen]:.3f} s on {chosen} CPU threads "
            f"but {single:.3f} s on one: the CPU is busy, and threads waiting for "
            "each other slow training down. Call torch.set_num_threads(1) before "
            "fitting, or fit without a seed to let the generator choose.",
            stacklevel=4,
        )
    return seconds[chosen], chosen


def memory_estimate(n_values: int, *tensors: torch.Tensor) -> int:
    """Bytes held by parameters, gradients, Adam moments and ``tensors``."""
    held = sum(t.numel() * t.element_size() for t in tensors)
    return n_values * 4 * _VALUES_PER_PARAMETER + held


def log_cost(
    log: logging.Logger,
    *,
    method: str,
    encoded: EncodedTable,
    modes: Mapping[str, int],
    cond_width: int,
    n_values: int,
    memory_bytes: int,
    step_seconds: float,
    steps: int,
    epochs: int,
    device: torch.device,
    threads: int,
) -> None:
    """Log, before training, what the fit will cost."""
    n_rows, width = encoded.matrix.shape
    epoch_seconds = step_seconds * steps
    log.info(
        "Fitting %s on %s: %d rows, encoded width %d (conditional vector %d), "
        "%d network parameters, about %.0f MB for weights, optimizer and data.",
        method,
        device,
        n_rows,
        width,
        cond_width,
        n_values,
        memory_bytes / 2**20,
    )
    if modes:
        listed = ", ".join(f"{key!r}: {count}" for key, count in modes.items())
        log.info("Modes kept per continuous column: %s.", listed)
    on = f"{threads} CPU thread(s)" if device.type == "cpu" else str(device)
    log.info(
        "One training step takes %.3f s on %s; %d steps per epoch make about "
        "%.2f s per epoch, %.0f s for %d epochs.",
        step_seconds,
        on,
        steps,
        epoch_seconds,
        epoch_seconds * epochs,
        epochs,
    )


def run_epochs(
    run_epoch: Callable[[], dict[str, float]],
    epochs: int,
    progress: ProgressCallback | None,
    log: logging.Logger,
) -> tuple[list[dict[str, float]], bool]:
    """Call ``run_epoch`` ``epochs`` times, reporting each epoch's losses.

    Ctrl-C (KeyboardInterrupt), in a step or in ``progress``, stops the loop;
    the networks keep what the finished steps taught them.

    Returns:
        One dict per finished epoch (``"epoch"`` and the losses), and whether
        the loop was interrupted.
    """
    history: list[dict[str, float]] = []
    try:
        for epoch in range(1, epochs + 1):
            losses = run_epoch()
            history.append({"epoch": epoch, **losses})
            log.debug(
                "Epoch %d/%d: %s",
                epoch,
                epochs,
                ", ".join(f"{name} {value:.4f}" for name, value in losses.items()),
            )
            if progress is not None:
                progress(ProgressEvent("fit", epoch, epochs, losses))
    except KeyboardInterrupt:
        log.warning(
            "Training interrupted after %d of %d epochs; the model keeps what it "
            "learned and can generate.",
            len(history),
            epochs,
        )
        return history, True
    return history, False


@dataclass
class ColumnSummary:
    """What generation needs to know about the prepared columns.

    Attributes:
        frequencies: Share of each code, per discrete prepared column.
        ranges: Observed ``(lower, upper)`` per continuous prepared column.
    """

    frequencies: dict[str, np.ndarray]
    ranges: dict[str, tuple[float, float]]

    def frequency(self, key: str, code: int) -> float:
        return float(self.frequencies[key][code])

    def to_json(self) -> dict[str, Any]:
        return {
            "frequencies": {k: v.tolist() for k, v in self.frequencies.items()},
            "ranges": {k: list(v) for k, v in self.ranges.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnSummary:
        return cls(
            frequencies={
                k: np.asarray(v, dtype=np.float64)
                for k, v in data["frequencies"].items()
            },
            ranges={k: (float(v[0]), float(v[1])) for k, v in data["ranges"].items()},
        )


def column_summary(prepared: PreparedTable) -> ColumnSummary:
    """The frequencies and ranges of ``prepared``'s columns."""
    frequencies, ranges = {}, {}
    for column in prepared.columns:
        if column.frequencies is not None:
            frequencies[column.key] = np.asarray(column.frequencies, dtype=np.float64)
        else:
            ranges[column.key] = (float(column.lower), float(column.upper))
    return ColumnSummary(frequencies, ranges)


def parse(
    conditions: Mapping[str, Any] | None, columns: ColumnSummary
) -> list[Condition]:
    """Check ``conditions`` against the fitted columns."""
    counts = {key: len(freq) for key, freq in columns.frequencies.items()}
    return parse_conditions(conditions, counts, columns.ranges)


def json_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with tuples as lists, ready for JSON."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


def with_prefix(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays whose names start with ``prefix``, with the prefix removed."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def check_state_version(state: Mapping[str, Any], version: int, method: str) -> None:
    """Refuse a state written by another version of the implementation.

    Raises:
        ModelFileError: The state's version is not ``version``.
    """
    found = state.get("version")
    if found != version:
        raise ModelFileError(
            f"The saved {method} state has version {found!r}; this genesis-torch "
            f"reads version {version}. Fit the model again with this version."
        )
