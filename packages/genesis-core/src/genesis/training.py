"""Training helpers every neural backend shares: batches, epochs, logs, state.

Nothing here knows a framework: the torch and jax backends (and third-party
plugins, through :mod:`genesis.plugins`) call these around their own
compiled steps, so batch sizing, the epoch loop with its progress events and
Ctrl-C handling, and the saved-state checks behave the same on every backend.
The conditional-generation helpers (:class:`Condition`, :func:`collect_rows`,
:class:`ConditionVectors`...) are re-exported here for the same reason.
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genesis._callers import caller_stacklevel
from genesis._config import (
    ConfigKey,
    ConfigSpec,
    layer_sizes,
    non_negative_number,
    positive_int,
    positive_number,
)
from genesis.data._anchors import ANCHOR_KEY
from genesis.data._conditions import (
    BatchThreads,
    Condition,
    collect_rows,
    parse_conditions,
    pin_pooled_codes,
    usable_cpus,
)
from genesis.data._encoding import (
    ColumnSpan,
    ConditionalSampler,
    EncodedTable,
    SpanKind,
    TableTransformer,
)
from genesis.data._prepare import PreparedTable
from genesis.data._vectors import ConditionVectors, FrequencySampler
from genesis.errors import (
    InvalidConfigError,
    ModelFileError,
    TrainingDivergedError,
)
from genesis.protocols import ProgressCallback, ProgressEvent

__all__ = [
    "ANCHOR_KEY",
    "CTGAN_CONFIG_SPEC",
    "CTGAN_MIN_BATCH",
    "DOMINANT_MIN_WIDTH",
    "DOMINANT_SHARE",
    "MIN_STEPS_PER_EPOCH",
    "PRECISIONS",
    "SAMPLING_PRECISION_KEY",
    "TRAINING_PRECISION_KEY",
    "TVAE_CONFIG_SPEC",
    "BatchThreads",
    "ColumnSummary",
    "Condition",
    "ConditionVectors",
    "EpochDraw",
    "FrequencySampler",
    "bfloat16_arithmetic",
    "bfloat16_matrix_units",
    "check_losses_finite",
    "check_pac",
    "check_state_version",
    "collect_rows",
    "column_summary",
    "draw_epoch",
    "fit_batch_size",
    "json_config",
    "log_cost",
    "log_fit_size",
    "pack_table_state",
    "parse",
    "parse_conditions",
    "pin_pooled_codes",
    "run_epochs",
    "samples_in_bfloat16",
    "spans_to_json",
    "trains_in_bfloat16",
    "unpack_table_state",
    "usable_cpus",
    "warn_dominant_span",
    "with_prefix",
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
# Fewest rows in a CTGAN batch: its generator network normalises each batch,
# which needs two rows for a variance (torch refuses one row; jax would scale
# every value of it to zero, so the network learns nothing).
CTGAN_MIN_BATCH = 2


def fit_batch_size(
    batch_size: int, n_rows: int, multiple: int = 1, smallest: int = 1
) -> int:
    """The batch size a fit uses: ``batch_size``, or less for a small table.

    An epoch makes one update per batch, so on a table of only a few batches
    the networks would barely train in the epochs users give. The batch is
    therefore at most 1/MIN_STEPS_PER_EPOCH of the rows, rounded down to a
    multiple of ``multiple``, and never less than the first multiple of
    ``multiple`` that is ``smallest`` or more; on a table of
    MIN_STEPS_PER_EPOCH batches or more, ``batch_size`` is used as it is.
    """
    floor = -(-smallest // multiple) * multiple
    largest = max(floor, n_rows // MIN_STEPS_PER_EPOCH // multiple * multiple)
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


# Bytes the sampler may hold at once while drawing an epoch (see draw_epoch).
# It returns conditional vectors one-hot (4 bytes per row and category) after
# comparing each draw with every category's cumulative share (9 more), so a
# whole epoch of a large table in one call would take gigabytes: 200,000
# rows, five discriminator steps and 250 categories take 3 GB.
_DRAW_BYTES = 64 * 2**20
# Bytes per drawn row and category, rounded up from the 13 above.
_DRAW_BYTES_PER_SLOT = 16


@dataclass(frozen=True)
class EpochDraw:
    """One epoch's training-by-sampling draws, one entry per drawn row.

    Attributes:
        rows: Row of the encoded matrix.
        slots: Position of the 1 in the row's conditional vector, or None
            when the table has no discrete column.
        chosen: Which category span the conditional vector picks (its
            position among the sampler's spans), or None.
        target: The encoded-matrix column of the picked category, or None.
    """

    rows: np.ndarray
    slots: np.ndarray | None
    chosen: np.ndarray | None
    target: np.ndarray | None


def draw_epoch(
    sampler: ConditionalSampler | FrequencySampler,
    category_spans: Sequence[tuple[int, int]],
    count: int,
    rng: np.random.Generator,
) -> EpochDraw:
    """Draw ``count`` training conditions and real rows, as integer arrays.

    The one-hot conditional vectors the sampler returns are reduced to their
    positions a bounded number of rows at a time, so an epoch holds integers
    only, whatever the table's size.

    Args:
        sampler: The fitted training-by-sampling statistics.
        category_spans: ``(start in cond vector, start in encoded matrix)``
            of each discrete column, in the sampler's order.
        count: Rows to draw.
        rng: Source of randomness.
    """
    per_call = max(1, _DRAW_BYTES // (_DRAW_BYTES_PER_SLOT * (sampler.width + 1)))
    parts: list[tuple[np.ndarray, ...]] = []
    starts = np.asarray(category_spans, dtype=np.int64).reshape(-1, 2)
    for done in range(0, count, per_call):
        cond, mask, rows = sampler.sample_training(min(per_call, count - done), rng)
        if not sampler.width:
            parts.append((rows,))
            continue
        chosen = mask.argmax(axis=1)
        slots = cond.argmax(axis=1)
        target = starts[chosen, 1] + slots - starts[chosen, 0]
        parts.append((rows, slots, chosen, target))
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    if len(columns) == 1:
        return EpochDraw(columns[0], None, None, None)
    return EpochDraw(*columns)


def warn_dominant_span(
    spans: Sequence[ColumnSpan], label: Callable[[str], str] = repr
) -> None:
    """Warn when one discrete column takes over half the encoded width.

    ``label`` names a span's column in the warning
    (:meth:`TableTransformer.column_label`, so the user's name is shown,
    not the prepared key).
    """
    width = max((s.stop for s in spans), default=0)
    for span in spans:
        if (
            span.kind == SpanKind.CATEGORY_ONE_HOT
            and span.width > DOMINANT_SHARE * width
            and span.width >= DOMINANT_MIN_WIDTH
        ):
            warnings.warn(
                f"Discrete column {label(span.column)} takes {span.width} of the "
                f"{width} "
                "encoded columns, so the networks spend most of their capacity on "
                "it and training is slower. If each value is (nearly) unique, "
                "declare the column an identifier; otherwise group its rare values "
                "into fewer categories or drop the column.",
                stacklevel=caller_stacklevel(),
            )


def log_fit_size(
    log: logging.Logger,
    *,
    method: str,
    encoded: EncodedTable,
    modes: Mapping[str, int],
    cond_width: int,
    n_values: int,
    memory_bytes: int,
    device: object,
) -> None:
    """Log what a fit will hold: rows, encoded width, parameters, memory, modes.

    The first lines of every backend's cost log; :func:`log_cost` adds the
    time a step takes, a backend that compiles its epoch says how long that
    took instead.
    """
    n_rows, width = encoded.matrix.shape
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
        # Keyed by column label (TableTransformer.column_label), not by key.
        listed = ", ".join(f"{label}: {count}" for label, count in modes.items())
        log.info("Modes kept per continuous column: %s.", listed)


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
    device: object,
    threads: int,
    bfloat16: bool = False,
) -> None:
    """Log, before training, what the fit will cost.

    ``device`` is printed as it is (a torch device, a jax device or a
    string); one whose text starts with ``cpu`` is reported with its thread
    count. ``bfloat16`` says the step multiplies in bfloat16 (see
    :func:`trains_in_bfloat16`).
    """
    log_fit_size(
        log,
        method=method,
        encoded=encoded,
        modes=modes,
        cond_width=cond_width,
        n_values=n_values,
        memory_bytes=memory_bytes,
        device=device,
    )
    epoch_seconds = step_seconds * steps
    label = str(device)
    on = f"{threads} CPU thread(s)" if label.lower().startswith("cpu") else label
    products = "bfloat16" if bfloat16 else "float32"
    log.info(
        "One training step takes %.3f s on %s (%s matrix products); %d steps per "
        "epoch make about %.2f s per epoch, %.0f s for %d epochs.",
        step_seconds,
        on,
        products,
        steps,
        epoch_seconds,
        epoch_seconds * epochs,
        epochs,
    )


def check_losses_finite(losses: Mapping[str, float], epoch: int, epochs: int) -> None:
    """Raise when an epoch's mean losses are not all finite.

    A NaN or infinite loss means the weights themselves have gone NaN or
    infinite; every later step and every generated row would be garbage, so
    the fit stops here with advice instead of finishing and sampling nonsense.

    Raises:
        TrainingDivergedError: Names the epoch and every loss.
    """
    if all(math.isfinite(value) for value in losses.values()):
        return
    shown = ", ".join(f"{name} {value:.4g}" for name, value in losses.items())
    raise TrainingDivergedError(
        f"Training diverged in epoch {epoch} of {epochs}: the mean losses are no "
        f"longer finite ({shown}), so the networks' weights are unusable and the "
        "fit was abandoned. Lower the learning rates if the method has them "
        "(CTGAN: generator_lr and discriminator_lr), or look for extreme values "
        "in the data, and fit again."
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

    Raises:
        TrainingDivergedError: An epoch's losses are not finite (see
            :func:`check_losses_finite`).
    """
    history: list[dict[str, float]] = []
    try:
        for epoch in range(1, epochs + 1):
            losses = run_epoch()
            check_losses_finite(losses, epoch, epochs)
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
            f"The saved {method} state has version {found!r}; this version of "
            f"Genesis reads version {version}. Fit the model again with this version."
        )


def spans_to_json(spans: Sequence[ColumnSpan]) -> list[dict[str, Any]]:
    """The spans as plain dicts, for a model file."""
    return [
        {"column": s.column, "kind": str(s.kind), "start": s.start, "stop": s.stop}
        for s in spans
    ]


def pack_table_state(
    implementation: Any, version: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The framework-free part of a fitted CTGAN or TVAE, for its model file.

    ``implementation`` has ``config``, ``seed``, ``transformer_``,
    ``columns_``, ``batch_size_``, ``loss_history_`` and ``interrupted_``.
    Both backends write exactly these keys, which is what lets a model
    saved on one load on the other; the networks' arrays are added by the
    caller.

    Returns:
        The transformer's arrays under ``transformer.``, and the JSON state.
    """
    transformer = implementation.transformer_
    transformer_arrays, transformer_state = transformer.get_state()
    arrays = {f"transformer.{k}": v for k, v in transformer_arrays.items()}
    state = {
        "version": version,
        "config": json_config(implementation.config),
        "seed": implementation.seed,
        "spans": spans_to_json(transformer.spans),
        "batch_size": implementation.batch_size_,
        "columns": implementation.columns_.to_json(),
        "transformer": transformer_state,
        "loss_history": implementation.loss_history_,
        "interrupted": implementation.interrupted_,
    }
    return arrays, state


def unpack_table_state(
    implementation: Any, arrays: Mapping[str, np.ndarray], state: Mapping[str, Any]
) -> None:
    """Restore on ``implementation`` what :func:`pack_table_state` saved."""
    implementation.transformer_ = TableTransformer.from_state(
        with_prefix(arrays, "transformer."), state["transformer"]
    )
    implementation.columns_ = ColumnSummary.from_json(state["columns"])
    implementation.batch_size_ = state["batch_size"]
    implementation.loss_history_ = list(state["loss_history"])
    implementation.interrupted_ = bool(state["interrupted"])


# -- the config keys of CTGAN and TVAE, the same on every backend ----------------
# The generator guide promises these keys and defaults; keeping them here means
# a config (and a saved model) means the same on torch and jax.


def check_pac(config: Mapping[str, Any]) -> None:
    """Refuse a CTGAN batch size that its networks cannot train on, with options.

    Raises:
        InvalidConfigError: ``batch_size`` is under CTGAN_MIN_BATCH, or
            ``batch_size % pac != 0``; the message names the nearest valid
            batch sizes and pacs.
    """
    batch_size, pac = config["batch_size"], config["pac"]
    if batch_size < CTGAN_MIN_BATCH:
        raise InvalidConfigError(
            f"batch_size must be at least {CTGAN_MIN_BATCH} for CTGAN, got "
            f"{batch_size}: the generator network's batch normalisation needs "
            f"{CTGAN_MIN_BATCH} rows or more to learn from. Use batch_size="
            f"{max(pac, CTGAN_MIN_BATCH)} or more, in multiples of pac={pac}."
        )
    if batch_size % pac == 0:
        return
    lower = batch_size // pac * pac
    nearest = [v for v in (lower, lower + pac) if v >= pac]
    divisors = [d for d in range(1, batch_size + 1) if batch_size % d == 0]
    closest = sorted(sorted(divisors, key=lambda d: abs(d - pac))[:3])
    raise InvalidConfigError(
        f"batch_size must be a multiple of pac (the discriminator network judges "
        f"rows in packs of pac), got batch_size={batch_size} and pac={pac}. Use "
        f"batch_size={' or '.join(map(str, nearest))}, or a pac that divides "
        f"{batch_size}, such as {', '.join(map(str, closest))}."
    )


# How a fit (training_precision) or generation (sampling_precision) computes
# its matrix products: "auto" in bfloat16 (float32 sums) where the device is
# faster at it, "float32" never, "bfloat16" always.
PRECISIONS = ("auto", "float32", "bfloat16")
# /proc/cpuinfo flags of x86 CPUs whose AMX tiles multiply bfloat16 matrices.
_CPU_BFLOAT16_FLAGS = frozenset({"amx_bf16", "amx_tile"})
# Flags of x86 CPUs with bfloat16 dot-product instructions (AVX512-BF16, on
# Intel since Cooper Lake and AMD since Zen 4), or AMX. Their bfloat16 matrix
# products take about half the time of float32 ones (Zen 4, one thread: a
# 4096x486 by 486x256 product in 5.0 ms against 11.6 ms).
_CPU_BFLOAT16_ARITHMETIC_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def _check_precision(value: Any) -> str | None:
    if value in PRECISIONS:
        return None
    return "must be one of " + ", ".join(repr(p) for p in PRECISIONS)


TRAINING_PRECISION_KEY = ConfigKey(
    "auto",
    (str,),
    _check_precision,
    "Matrix products while training: 'bfloat16' inputs with float32 sums and "
    "results (torch on CUDA: TF32 inputs), 'float32', or 'auto' (reduced on "
    "CUDA and on CPUs with AMX units; jax also on CPUs with AVX512-BF16). "
    "Generation follows sampling_precision.",
)

SAMPLING_PRECISION_KEY = ConfigKey(
    "auto",
    (str,),
    _check_precision,
    "Matrix products while generating: 'bfloat16' inputs with float32 sums, "
    "'float32', or 'auto' (bfloat16 on CUDA and on CPUs with bfloat16 "
    "instructions: AVX512-BF16 or AMX). Continuous values are always computed "
    "in float32 at the last layer, so they are not rounded to bfloat16's "
    "8 bits.",
)


def _cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The Linux CPU flags in ``cpuinfo``; empty when it cannot be read."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        return frozenset()
    return frozenset()


@functools.cache
def bfloat16_matrix_units(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when this machine's CPU multiplies bfloat16 matrices in hardware.

    Reads the Linux CPU flags (Intel AMX); elsewhere, or when the file cannot
    be read, answers False, so that "auto" keeps float32.
    """
    return _CPU_BFLOAT16_FLAGS <= _cpu_flags(cpuinfo)


@functools.cache
def bfloat16_arithmetic(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when this machine's CPU has bfloat16 dot-product instructions.

    AVX512-BF16 or AMX, read from the Linux CPU flags; False elsewhere. These
    CPUs run a bfloat16 matrix product in about half the time of a float32
    one (AMX: a tenth), when its operands are bfloat16 tensors.
    """
    return bool(_CPU_BFLOAT16_ARITHMETIC_FLAGS & _cpu_flags(cpuinfo))


def _uses_bfloat16(
    precision: str, device_kind: str, cpu_qualifies: Callable[[], bool]
) -> bool:
    if precision == "float32":
        return False
    if precision == "bfloat16":
        return True
    if device_kind == "cpu":
        return cpu_qualifies()
    return device_kind in ("cuda", "gpu")


def trains_in_bfloat16(
    precision: str, device_kind: str, *, float32_results: bool = False
) -> bool:
    """Whether a fit with ``training_precision`` ``precision`` uses bfloat16.

    Under "auto" a CPU qualifies with AMX units; with ``float32_results``
    (a backend whose bfloat16 products return float32 on any CPU with
    bfloat16 instructions, as XLA's do) also with AVX512-BF16. torch's
    products there round their results, and autocast's rounded layer outputs
    cost TVAE its fidelity, so torch keeps AMX only.

    Args:
        precision: One of :data:`PRECISIONS`.
        device_kind: ``"cpu"``, ``"cuda"`` (or ``"gpu"``), or another
            accelerator's name.
        float32_results: See above.
    """
    cpu = bfloat16_arithmetic if float32_results else bfloat16_matrix_units
    return _uses_bfloat16(precision, device_kind, cpu)


def samples_in_bfloat16(precision: str, device_kind: str) -> bool:
    """Whether generation with ``sampling_precision`` ``precision`` uses bfloat16.

    "auto" asks less of a CPU than torch's training does: bfloat16
    instructions without matrix units (see :func:`bfloat16_arithmetic`)
    already pay, since generation casts its weights once per batch and its
    activations once per layer, and recomputes the continuous values in
    float32.

    Args:
        precision: One of :data:`PRECISIONS`.
        device_kind: ``"cpu"``, ``"cuda"`` (or ``"gpu"``), or another
            accelerator's name.
    """
    return _uses_bfloat16(precision, device_kind, bfloat16_arithmetic)


CTGAN_CONFIG_SPEC: ConfigSpec = {
    "epochs": ConfigKey(300, (int,), positive_int, "Passes over the training data."),
    "batch_size": ConfigKey(
        500, (int,), positive_int, "Rows per training step; a multiple of pac."
    ),
    "generator_dim": ConfigKey(
        (256, 256), (tuple,), layer_sizes, "Widths of the residual layers."
    ),
    "discriminator_dim": ConfigKey(
        (256, 256), (tuple,), layer_sizes, "Widths of the discriminator layers."
    ),
    "generator_lr": ConfigKey(
        2e-4, (float, int), positive_number, "Adam learning rate, generator network."
    ),
    "discriminator_lr": ConfigKey(
        2e-4, (float, int), positive_number, "Adam learning rate, discriminator."
    ),
    "generator_decay": ConfigKey(
        1e-6, (float, int), non_negative_number, "L2 weight decay, generator network."
    ),
    "discriminator_decay": ConfigKey(
        1e-6, (float, int), non_negative_number, "L2 weight decay, discriminator."
    ),
    "discriminator_steps": ConfigKey(
        1, (int,), positive_int, "Discriminator updates per generator update."
    ),
    "pac": ConfigKey(
        10, (int,), positive_int, "Rows the discriminator judges together."
    ),
    "embedding_dim": ConfigKey(
        128, (int,), positive_int, "Size of the noise given to the generator network."
    ),
    "log_frequency": ConfigKey(
        True,
        (bool,),
        None,
        "Sample training conditions by log-frequency (True) or frequency (False).",
    ),
    "anchor_threshold": ANCHOR_KEY,
    "training_precision": TRAINING_PRECISION_KEY,
    "sampling_precision": SAMPLING_PRECISION_KEY,
}


TVAE_CONFIG_SPEC: ConfigSpec = {
    "epochs": ConfigKey(300, (int,), positive_int, "Passes over the training data."),
    "batch_size": ConfigKey(500, (int,), positive_int, "Rows per training step."),
    "embedding_dim": ConfigKey(128, (int,), positive_int, "Size of the latent code."),
    "compress_dims": ConfigKey(
        (128, 128), (tuple,), layer_sizes, "Widths of the encoder's layers."
    ),
    "decompress_dims": ConfigKey(
        (128, 128), (tuple,), layer_sizes, "Widths of the decoder's layers."
    ),
    "l2scale": ConfigKey(
        1e-5, (float, int), non_negative_number, "L2 weight decay of Adam."
    ),
    "loss_factor": ConfigKey(
        2, (float, int), positive_number, "Weight of the reconstruction loss."
    ),
    "anchor_threshold": ANCHOR_KEY,
    "training_precision": TRAINING_PRECISION_KEY,
    "sampling_precision": SAMPLING_PRECISION_KEY,
}
