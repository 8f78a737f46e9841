"""Generation in bounded memory: batches, files written in chunks, and Dask.

Rows are generated in *seed blocks* of :data:`SEED_BLOCK_ROWS` rows. Block
``i`` of a run is always generated whole, from its own seed (the run's seed
and ``i``, combined by :class:`numpy.random.SeedSequence`), and then cut to
the rows asked for. A row therefore depends only on the run's seed and its
position, never on how the run is chunked: ``iter_batches`` with any batch
size, ``generate_to`` and ``generate_dask`` with any number of partitions or
workers give the same rows for the same seed.

Identifier columns are numbered by row position, so they stay unique across
blocks and partitions.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import io
import itertools
import logging
import os
import platform
import queue
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Hashable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from genesis._callers import caller_stacklevel
from genesis._csv_layout import DEFAULT_LAYOUT, CsvLayout, open_csv, write_csv
from genesis._io import prepare_target
from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
)

if TYPE_CHECKING:
    import dask.dataframe
    import distributed

    from genesis._generator import SyntheticGenerator

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "SEED_BLOCK_ROWS",
    "RowBatches",
    "check_batch_size",
    "check_n_rows",
    "generate_dask",
    "iter_rows",
    "parquet_schema",
    "write_rows",
]

logger = logging.getLogger(__name__)

SEED_BLOCK_ROWS = 16_384
DEFAULT_BATCH_ROWS = 65_536
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv",)
# Rows generated to read the Parquet type of columns whose dtype does not
# say it (Decimals, dates), for parquet_schema.
_SCHEMA_SAMPLE_ROWS = 1_024
# Loaded generators kept per worker process, by the digest of their file.
_WORKER_CACHE_SIZE = 4

BatchCallback = Callable[[int], None]
# Rows are numbered in int64; more cannot be generated, streamed or not.
MAX_ROWS = int(np.iinfo(np.int64).max)


# -- arguments -----------------------------------------------------------------


def check_n_rows(n_rows: object) -> int:
    """Return ``n_rows`` as an int, refusing negatives and non-integers."""
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer):
        raise InvalidDataError(
            f"n_rows must be an integer, got {n_rows!r} ({type(n_rows).__name__})."
        )
    if n_rows < 0:
        raise InvalidDataError(f"n_rows must be zero or more, got {n_rows}.")
    if n_rows > MAX_ROWS:
        raise InvalidDataError(
            f"n_rows must be at most {MAX_ROWS:,} (the most rows pandas can "
            f"number), got {n_rows:,}."
        )
    return int(n_rows)


def check_batch_size(batch_size: object, name: str = "batch_size") -> int:
    """Return ``batch_size`` as an int, refusing anything but a positive int."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise InvalidConfigError(
            f"{name} must be a positive integer, got {batch_size!r} "
            f"({type(batch_size).__name__})."
        )
    if batch_size < 1:
        raise InvalidConfigError(
            f"{name} must be a positive integer, got {batch_size}; try "
            f"{name}={DEFAULT_BATCH_ROWS}."
        )
    return int(batch_size)


def block_seed(entropy: int, index: int) -> int:
    """The 128-bit seed of seed block ``index`` of a run seeded with ``entropy``."""
    words = np.random.SeedSequence(entropy, spawn_key=(index,)).generate_state(
        2, np.uint64
    )
    return (int(words[0]) << 64) | int(words[1])


# -- blocks and batches --------------------------------------------------------


def generate_block(
    generator: SyntheticGenerator,
    index: int,
    entropy: int,
    conditions: Mapping[Hashable, Any] | None,
    identifier_base: int = 0,
) -> pd.DataFrame:
    """Seed block ``index``: all its rows, indexed by their position in the run.

    Sequential identifiers are numbered from ``identifier_base`` plus the
    block's first position.
    """
    start = index * SEED_BLOCK_ROWS
    frame = generator._generate_rows(
        SEED_BLOCK_ROWS,
        conditions,
        seed=block_seed(entropy, index),
        first_identifier=identifier_base + start,
    )
    frame.index = pd.RangeIndex(start, start + SEED_BLOCK_ROWS)
    return frame


class RowBatches(Iterator[pd.DataFrame]):
    """The frames of a run, made as they are taken, and the generator making them.

    A file writer asks ``generator`` which values each column can take, so
    that the file's schema fits every frame, not only the first.
    """

    def __init__(
        self, generator: SyntheticGenerator, frames: Iterator[pd.DataFrame]
    ) -> None:
        self.generator = generator
        self._frames = frames

    def __next__(self) -> pd.DataFrame:
        return next(self._frames)


def iter_rows(
    generator: SyntheticGenerator,
    start: int,
    stop: int,
    batch_size: int,
    entropy: int,
    conditions: Mapping[Hashable, Any] | None = None,
    identifier_base: int = 0,
) -> RowBatches:
    """Frames of ``batch_size`` rows (the last may be shorter) for rows start..stop.

    Each frame is indexed by its rows' positions in the run; sequential
    identifiers are numbered from ``identifier_base`` plus the position.
    About a batch and a seed block of rows are held at a time, however many
    are asked for.
    """
    frames = _frames(
        generator, start, stop, batch_size, entropy, conditions, identifier_base
    )
    return RowBatches(generator, frames)


def _frames(
    generator: SyntheticGenerator,
    start: int,
    stop: int,
    batch_size: int,
    entropy: int,
    conditions: Mapping[Hashable, Any] | None,
    identifier_base: int,
) -> Iterator[pd.DataFrame]:
    pieces: list[pd.DataFrame] = []
    held = 0
    first_block = start // SEED_BLOCK_ROWS
    last_block = (stop - 1) // SEED_BLOCK_ROWS
    for index in range(first_block, last_block + 1 if stop > start else first_block):
        block = generate_block(generator, index, entropy, conditions, identifier_base)
        offset = index * SEED_BLOCK_ROWS
        lower = max(start - offset, 0)
        upper = min(stop - offset, SEED_BLOCK_ROWS)
        pieces.append(block.iloc[lower:upper])
        held += upper - lower
        del block
        while held >= batch_size:
            joined = pd.concat(pieces) if len(pieces) > 1 else pieces[0]
            yield joined.iloc[:batch_size]
            rest = joined.iloc[batch_size:]
            pieces, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield pd.concat(pieces) if len(pieces) > 1 else pieces[0]


# -- files ---------------------------------------------------------------------


def file_format(path: Path) -> str:
    """``"parquet"`` or ``"csv"`` from the path's suffix."""
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise InvalidConfigError(
        f"Cannot tell the file format of {str(path)!r} from its suffix "
        f"{suffix!r}; name it *.parquet (or *.pq) for Parquet, *.csv for CSV."
    )


def write_rows(
    batches: Iterator[pd.DataFrame],
    path: str | os.PathLike[str],
    empty: pd.DataFrame,
    on_batch: BatchCallback | None = None,
    csv_layout: CsvLayout = DEFAULT_LAYOUT,
) -> int:
    """Write ``batches`` to ``path`` one at a time; return the rows written.

    A CSV file is written in ``csv_layout`` (separator, decimal mark,
    encoding, line ending, words for missing cells); by default
    comma-separated UTF-8 with decimal points and ``\\n`` line endings.

    ``empty`` (no rows, the output's columns and dtypes) is written when
    there are no batches, so the file still has the columns. Column names
    and columns the format cannot keep, and a path that cannot take a file,
    are refused before any batch is made. The file is written under a
    temporary name in the same folder and renamed at the end, so an
    interrupted run leaves no partial file (and any previous file intact).

    When ``batches`` come from :func:`iter_rows`, the Arrow type of each
    object column of a Parquet file is the one that holds every value the
    generator can give it, so a later batch always fits the first one's
    schema (a first batch missing in a sparse column, or holding only short
    Decimals, would otherwise fix too narrow a type).
    """
    kind = file_format(Path(path))
    write = functools.partial(_write_csv, layout=csv_layout)
    if kind == "parquet":
        pa = _import_pyarrow()
        _check_parquet_names(empty.columns)
        generator = batches.generator if isinstance(batches, RowBatches) else None
        types = _object_column_types(pa, empty, generator)
        write = functools.partial(_write_parquet, object_types=types)
    target = prepare_target(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        with _made_ahead(_or_empty(batches, empty)) as ahead:
            written = write(ahead, Path(temporary), on_batch)
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    logger.info("Wrote %d synthetic rows to %s", written, target)
    return written


def _or_empty(
    batches: Iterator[pd.DataFrame], empty: pd.DataFrame
) -> Iterator[pd.DataFrame]:
    produced = False
    for batch in batches:
        produced = True
        yield batch
    if not produced:
        yield empty


@contextlib.contextmanager
def _made_ahead(batches: Iterator[pd.DataFrame]) -> Iterator[Iterator[pd.DataFrame]]:
    """``batches``, the next one made on another thread while this one is used.

    Writing a batch (Parquet encoding, CSV formatting) is one core's work
    that generation would otherwise wait for: 0.35 s of a 2.6 s run of
    1,000,000 Adult rows. The thread starts a batch only when the caller
    takes the one before, so at most one batch more than before is held.
    It stops at the end of its batch when the caller leaves, by error or
    Ctrl-C too; whatever it raises is raised on the caller's thread.
    """
    handoff: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    wanted = threading.Semaphore(1)
    stop = threading.Event()

    def make() -> None:
        try:
            while True:
                wanted.acquire()
                if stop.is_set():
                    return
                batch = next(batches, None)
                if batch is None:
                    handoff.put(("done", None))
                    return
                handoff.put(("batch", batch))
                del batch
        except BaseException as error:  # noqa: BLE001 - raised on the caller's thread
            handoff.put(("error", error))

    maker = threading.Thread(target=make, name="genesis-generate-ahead", daemon=True)
    maker.start()

    def received() -> Iterator[pd.DataFrame]:
        while True:
            kind, item = handoff.get()
            if kind == "done":
                return
            if kind == "error":
                raise item
            wanted.release()
            yield item

    try:
        yield received()
    finally:
        stop.set()
        wanted.release()
        maker.join()


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _import_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise BackendNotAvailableError(
            "Writing Parquet needs pyarrow, which is not installed; run: "
            'pip install "genesis-synth-core[parquet]", or write a .csv file.'
        ) from exc
    return pyarrow


def _write_parquet(
    batches: Iterator[pd.DataFrame],
    path: Path,
    on_batch: BatchCallback | None,
    object_types: Mapping[Hashable, Any],
) -> int:
    pa = _import_pyarrow()
    written = 0
    writer = None
    schema = None
    try:
        for batch in batches:
            if writer is None:
                schema = _stable_schema(pa, batch, object_types)
                writer = pa.parquet.ParquetWriter(str(path), schema)
            try:
                table = pa.Table.from_pandas(batch, schema=schema, preserve_index=False)
                writer.write_table(table)
            except pa.ArrowException as error:
                if (name := _unwritable_column(pa, batch, schema)) is None:
                    raise
                raise InvalidDataError(
                    f"Parquet cannot store column {name!r} of dtype "
                    f"{batch[name].dtype}: {error}. Write a .csv file, or fit on "
                    "data in which the column has a type Parquet stores "
                    f"(data[{name!r}].astype(str), say)."
                ) from error
            written += len(batch)
            if on_batch is not None and len(batch):
                on_batch(len(batch))
    finally:
        if writer is not None:
            writer.close()
    return written


def _unwritable_column(pa: Any, batch: pd.DataFrame, schema: Any) -> Hashable | None:
    """The first column of ``batch`` that Parquet refuses on its own, if any."""
    for name, field in zip(batch.columns, schema, strict=True):
        try:
            column = batch[[name]]
            table = pa.Table.from_pandas(
                column, schema=pa.schema([field]), preserve_index=False
            )
            pa.parquet.write_table(table, io.BytesIO())
        except pa.ArrowException:
            return name
    return None


def _check_parquet_names(columns: pd.Index) -> None:
    """Refuse column names that Parquet, whose names are text, would change.

    pyarrow writes a column named ``0`` as ``"0"``, and readers (pandas
    included) give back ``"0"``; a frame written and read again would not
    have the generator's columns.
    """
    if not (names := [name for name in columns if not isinstance(name, str)]):
        return
    raise InvalidDataError(
        f"Parquet needs text column names; the columns {names!r} are not "
        f"strings, and would read back as {[str(name) for name in names]!r}. "
        "Fit on data whose column names are strings "
        "(data.columns = data.columns.astype(str)), or write a .csv file."
    )


def parquet_schema(generator: SyntheticGenerator) -> Any:
    """The Arrow schema of the generator's rows, as ``generate_to`` writes them.

    Types come from every value a discrete column can take and, for other
    columns, from their dtype and a sample of rows.

    Raises:
        BackendNotAvailableError: pyarrow is not installed.
        InvalidDataError: A column is not named by a string, or holds values
            no one Parquet type holds.
    """
    pa = _import_pyarrow()
    sample = generator._generate_rows(_SCHEMA_SAMPLE_ROWS, None, seed=0)
    _check_parquet_names(sample.columns)
    types = _object_column_types(pa, sample.iloc[:0], generator)
    return _stable_schema(pa, sample, types)


def _object_column_types(
    pa: Any, empty: pd.DataFrame, generator: SyntheticGenerator | None
) -> dict[Hashable, Any]:
    """The Arrow type of each object column, from every value it can take.

    Raises:
        InvalidDataError: No one Arrow type holds all of a column's values
            (text mixed with numbers, say); the error names the column.
    """
    if generator is None or generator._preparer is None:
        return {}
    types: dict[Hashable, Any] = {}
    for name, values in _discrete_values(generator).items():
        if name not in empty.columns or empty[name].dtype != object:
            continue
        try:
            types[name] = pa.array(values, from_pandas=True).type
        except pa.ArrowException as error:
            kinds = sorted({type(value).__name__ for value in values})
            raise InvalidDataError(
                f"Parquet cannot store column {name!r}: its values are of the "
                f"types {kinds!r}, which no one Parquet column type holds "
                f"({error}). Write a .csv file, or fit on data in which the "
                f"column holds one type (data[{name!r}].astype(str), say)."
            ) from error
    return types


def _discrete_values(generator: SyntheticGenerator) -> dict[Hashable, list[Any]]:
    """The values each discrete column can take in the output, missing aside."""
    preparer = generator._preparer
    assert preparer is not None
    values: dict[Hashable, list[Any]] = {}
    for plan in preparer.plans:
        if plan.mode == "discrete":
            values[plan.meta.name] = list(plan.categories or ())
        elif plan.mode == "constant" and plan.meta.is_discrete:
            values[plan.meta.name] = [plan.constant]
        elif plan.time_example is not None:
            # Dates given as Python objects come back as objects of that type.
            values[plan.meta.name] = [plan.time_example]
    return values


def _stable_schema(
    pa: Any, batch: pd.DataFrame, object_types: Mapping[Hashable, Any]
) -> Any:
    """The first batch's schema, with object columns typed by all their values.

    A batch in which a column happens to be all missing infers the null type,
    which the next batch's values would not fit; a column whose values are
    not known is taken as text then.
    """
    schema = pa.Schema.from_pandas(batch, preserve_index=False)
    for position, field in enumerate(schema):
        kind = object_types.get(field.name, field.type)
        if pa.types.is_null(kind):
            kind = pa.string()
        schema = schema.set(position, field.with_type(kind))
    return schema


def _write_csv(
    batches: Iterator[pd.DataFrame],
    path: Path,
    on_batch: BatchCallback | None,
    layout: CsvLayout,
) -> int:
    written = 0
    with open_csv(path, layout) as handle:
        for batch in batches:
            write_csv(handle, batch, layout, header=written == 0)
            written += len(batch)
            if on_batch is not None and len(batch):
                on_batch(len(batch))
    return written


# -- Dask ----------------------------------------------------------------------


def _import_dask() -> tuple[Any, Any]:
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise BackendNotAvailableError(
            "generate_dask needs dask with its dataframe part, which is not "
            'installed; run: pip install "genesis-synth-core[distributed]".'
        ) from exc
    return dask, dd


def generate_dask(
    generator: SyntheticGenerator,
    n_rows: int,
    npartitions: int,
    entropy: int,
    *,
    client: distributed.Client | None = None,
    conditions: Mapping[Hashable, Any] | None = None,
    device: str | None = None,
    identifier_base: int = 0,
) -> dask.dataframe.DataFrame:
    """A lazy dask DataFrame of ``n_rows`` rows in ``npartitions`` partitions.

    The generator travels to the workers as its saved model file (bytes, no
    pickle of the generator object), and each worker process loads it once.
    """
    dask, dd = _import_dask()
    blob = model_bytes(generator)
    digest = hashlib.sha256(blob).hexdigest()
    if client is not None:
        model = client.scatter(blob, broadcast=True, hash=False)
    else:
        model = dask.delayed(blob, name=f"genesis-model-{digest[:16]}", pure=True)
    if npartitions > max(n_rows, 1):
        logger.info(
            "Asked for %d partitions of %d rows; making %d, one row or more each.",
            npartitions,
            n_rows,
            max(n_rows, 1),
        )
        npartitions = max(n_rows, 1)
    bounds = partition_bounds(n_rows, npartitions)
    frozen = dict(conditions) if conditions else None
    make = dask.delayed(_partition, pure=True)
    parts = [
        make(model, digest, start, stop, entropy, frozen, device, identifier_base)
        for start, stop in itertools.pairwise(bounds)
    ]
    meta = generator.generate(0, seed=0)
    meta.index = pd.RangeIndex(0, 0)
    _warn_where_to_parquet_fails(generator, meta)
    divisions = (*bounds[:-1], n_rows - 1) if n_rows else (None, None)
    logger.info(
        "Dask graph: %d rows in %d partitions, model file of %d bytes",
        n_rows,
        npartitions,
        len(blob),
    )
    # Dask would otherwise turn every object column into Arrow text: integers,
    # Decimals and dates of a column with missing cells would come back as
    # their printed form, and the frame would no longer equal iter_batches.
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(parts, meta=meta, divisions=divisions, verify_meta=False)


def _warn_where_to_parquet_fails(
    generator: SyntheticGenerator, meta: pd.DataFrame
) -> None:
    """Say before any work what dask's to_parquet will refuse in this frame.

    The frame computes as it is; only writing it as Parquet needs a change.
    """
    if names := [name for name in meta.columns if not isinstance(name, str)]:
        warnings.warn(
            f"The columns {names!r} are not named by strings. The dask frame "
            "computes and writes CSV as it is, but its to_parquet refuses it, "
            "as Parquet column names are text. Rename the columns before "
            "writing Parquet: frame.columns = frame.columns.astype(str).",
            stacklevel=caller_stacklevel(),
        )
    objects = {
        name: sorted({type(value).__name__ for value in values})
        for name, values in _discrete_values(generator).items()
        if name in meta.columns and meta[name].dtype == object
    }
    if typed := {name: kinds for name, kinds in objects.items() if kinds != ["str"]}:
        warnings.warn(
            f"The object columns {list(typed)!r} hold values of the types "
            f"{typed!r}. The dask frame computes them as they are, but its "
            "to_parquet cannot tell their Parquet type from an object dtype; "
            "give it the types: frame.to_parquet(folder, "
            "schema=generator.parquet_schema(), write_index=False).",
            stacklevel=caller_stacklevel(),
        )


def partition_bounds(n_rows: int, npartitions: int) -> list[int]:
    """First row of each partition, then ``n_rows``: even shares of the rows.

    When every partition holds a seed block or more, the cuts move to the
    nearest block edge, so that no block is generated by two partitions.
    """
    bounds = [n_rows * p // npartitions for p in range(npartitions + 1)]
    if n_rows < npartitions * SEED_BLOCK_ROWS:
        return bounds
    edges = [round(b / SEED_BLOCK_ROWS) * SEED_BLOCK_ROWS for b in bounds[1:-1]]
    return [0, *edges, n_rows]


def model_bytes(generator: SyntheticGenerator) -> bytes:
    """The generator's saved model file, as bytes."""
    with tempfile.TemporaryDirectory(prefix="genesis-") as folder:
        path = Path(folder) / "model.genesis"
        generator.save(path)
        return path.read_bytes()


_worker_lock = threading.Lock()
_worker_generators: dict[tuple[str, str | None], SyntheticGenerator] = {}


def _worker_generator(
    blob: bytes, digest: str, device: str | None
) -> SyntheticGenerator:
    from genesis._generator import SyntheticGenerator

    key = (digest, device)
    with _worker_lock:
        loaded = _worker_generators.get(key)
        if loaded is None:
            with tempfile.TemporaryDirectory(prefix="genesis-") as folder:
                path = Path(folder) / "model.genesis"
                path.write_bytes(blob)
                loaded = SyntheticGenerator.load(path, device=device)
            if len(_worker_generators) >= _WORKER_CACHE_SIZE:
                _worker_generators.pop(next(iter(_worker_generators)))
            _worker_generators[key] = loaded
    return loaded


# glibc's mallopt parameters (malloc.h), and its default for both (bytes).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_GLIBC_DEFAULT_THRESHOLD = 128 * 1024
# While a partition is generated: keep up to this much freed memory, and
# take blocks up to glibc's largest mmap threshold from the heap.
_KEPT_BYTES = 256 * 2**20
_HEAP_BLOCK_BYTES = 32 * 2**20

_heap_lock = threading.Lock()
_heap_users = 0


@functools.cache
def _glibc() -> Any:
    """The process's C library if it is glibc, else None (looked up once)."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    except (OSError, AttributeError):
        return None
    return libc


@contextlib.contextmanager
def heap_kept_between_batches() -> Iterator[None]:
    """Keep freed memory for the next batch, where the process was told to trim.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, so
    that they hand freed memory back to the system. glibc then also takes
    every block over 128 KiB straight from the system and returns it on
    free, so each batch's arrays come back as fresh pages that the kernel
    must fault in and zero: generating a partition in a Dask worker took
    1.7x as long as in a plain process (1.2-1.3 s against 0.72-0.76 s for
    125,000 Adult rows from CTGAN). Inside this block glibc keeps up to
    256 MiB of freed memory and serves blocks up to 32 MiB from its heap;
    afterwards the process's own settings come back and what was kept is
    returned (``malloc_trim``). Elsewhere (no such variable, or not glibc)
    it does nothing.
    """
    global _heap_users
    trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    libc = _glibc() if trim is not None else None
    if libc is None:
        yield
        return
    with _heap_lock:
        if _heap_users == 0:
            libc.mallopt(_M_TRIM_THRESHOLD, _KEPT_BYTES)
            libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCK_BYTES)
        _heap_users += 1
    try:
        yield
    finally:
        with _heap_lock:
            _heap_users -= 1
            if _heap_users == 0:
                mmap = os.environ.get("MALLOC_MMAP_THRESHOLD_")
                libc.mallopt(_M_TRIM_THRESHOLD, _int_or(trim, _GLIBC_DEFAULT_THRESHOLD))
                libc.mallopt(_M_MMAP_THRESHOLD, _int_or(mmap, _GLIBC_DEFAULT_THRESHOLD))
                libc.malloc_trim(0)


def _int_or(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _partition(
    blob: bytes,
    digest: str,
    start: int,
    stop: int,
    entropy: int,
    conditions: Mapping[Hashable, Any] | None,
    device: str | None,
    identifier_base: int,
) -> pd.DataFrame:
    generator = _worker_generator(blob, digest, device)
    if stop <= start:
        frame = generator.generate(0, seed=0)
        frame.index = pd.RangeIndex(start, start)
        return frame
    with heap_kept_between_batches():
        batches = list(
            iter_rows(
                generator,
                start,
                stop,
                stop - start,
                entropy,
                conditions,
                identifier_base,
            )
        )
    return batches[0]
