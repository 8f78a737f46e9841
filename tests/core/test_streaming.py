"""Generation in bounded memory: batches, files in chunks, Dask partitions."""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
    NotFittedError,
    SyntheticGenerator,
)
from genesis._streaming import SEED_BLOCK_ROWS, _glibc, _made_ahead
from genesis.cli import main
from genesis.datasets import ADULT_DISCRETE_COLUMNS, load_adult
from genesis.errors import UnknownMethodError
from genesis.gpu import BatchedGenerator
from genesis.protocols import ProgressEvent

# Spans three seed blocks and ends inside the third, so chunkings cut blocks.
N_ROWS = 2 * SEED_BLOCK_ROWS + 5_000


@pytest.fixture(scope="module")
def copula() -> SyntheticGenerator:
    adult = load_adult().head(3_000)
    generator = SyntheticGenerator(method="gaussian_copula", seed=11)
    return generator.fit(adult, ADULT_DISCRETE_COLUMNS, progress=False)


@pytest.fixture(scope="module")
def reference(copula: SyntheticGenerator) -> pd.DataFrame:
    return pd.concat(copula.iter_batches(N_ROWS, 10_000, seed=5))


@pytest.mark.parametrize("batch_size", [1_000, 7_777, SEED_BLOCK_ROWS, 100_000])
def test_rows_do_not_depend_on_the_batch_size(
    copula: SyntheticGenerator, reference: pd.DataFrame, batch_size: int
) -> None:
    batches = list(copula.iter_batches(N_ROWS, batch_size, seed=5))

    assert [len(b) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
    pd.testing.assert_frame_equal(pd.concat(batches), reference)


def test_fewer_rows_are_the_first_rows_of_more(
    copula: SyntheticGenerator, reference: pd.DataFrame
) -> None:
    head = pd.concat(copula.iter_batches(1_234, 500, seed=5))

    pd.testing.assert_frame_equal(head, reference.iloc[:1_234])


def test_batches_keep_columns_and_dtypes(
    copula: SyntheticGenerator, reference: pd.DataFrame
) -> None:
    in_memory = copula.generate(100, seed=1)

    assert list(reference.columns) == list(in_memory.columns)
    assert reference.dtypes.to_dict() == in_memory.dtypes.to_dict()
    assert list(reference.index) == list(range(N_ROWS))


def test_other_seeds_give_other_rows(
    copula: SyntheticGenerator, reference: pd.DataFrame
) -> None:
    other = next(copula.iter_batches(1_000, seed=6))

    assert not other["age"].equals(reference["age"].iloc[:1_000])


def test_without_a_seed_runs_follow_the_generators_stream(tmp_path: Path) -> None:
    adult = load_adult().head(1_000)
    generator = SyntheticGenerator(method="gaussian_copula", seed=2)
    generator.fit(adult, ADULT_DISCRETE_COLUMNS, progress=False)
    generator.save(tmp_path / "model.genesis")
    first = next(generator.iter_batches(500))
    second = next(generator.iter_batches(500))
    again = next(SyntheticGenerator.load(tmp_path / "model.genesis").iter_batches(500))

    assert not first.equals(second)
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_generate_to_writes_the_rows_of_iter_batches(
    copula: SyntheticGenerator, reference: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"synthetic{suffix}"
    written = copula.generate_to(path, N_ROWS, 9_000, seed=5)
    read = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)

    assert written == N_ROWS
    expected = reference.reset_index(drop=True)
    if suffix == ".csv":
        # CSV keeps no dtypes; compare the text the two frames write.
        assert read.to_csv(index=False) == expected.to_csv(index=False)
    else:
        pd.testing.assert_frame_equal(read, expected)


def test_generate_to_reports_progress_in_rows(
    copula: SyntheticGenerator, tmp_path: Path
) -> None:
    events = []
    copula.generate_to(
        tmp_path / "out.parquet", 25_000, 10_000, seed=1, progress=events.append
    )

    assert [(e.stage, e.step, e.total) for e in events] == [
        ("generate", 10_000, 25_000),
        ("generate", 20_000, 25_000),
        ("generate", 25_000, 25_000),
    ]


def test_failed_generate_to_leaves_the_previous_file(
    copula: SyntheticGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "out.parquet"
    path.write_bytes(b"previous")

    with pytest.raises(InvalidDataError, match="never seen in training"):
        copula.generate_to(path, 1_000, seed=1, conditions={"workclass": "Astronaut"})

    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_unknown_suffix_is_refused_before_generating(
    copula: SyntheticGenerator, tmp_path: Path
) -> None:
    with pytest.raises(InvalidConfigError, match=r"'\.json'.*\.parquet.*\.csv"):
        copula.generate_to(tmp_path / "out.json", 10)

    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def numbered() -> SyntheticGenerator:
    """A copula fitted on a frame with a column named by the int 0."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {0: rng.normal(size=200), "city": rng.choice(["Lyon", "Graz"], 200)}
    )
    return SyntheticGenerator(method="gaussian_copula", seed=0).fit(
        frame, progress=False
    )


NON_STRING_PARQUET = (
    "Parquet needs text column names; the columns [0] are not strings, and "
    "would read back as ['0']. Fit on data whose column names are strings "
    "(data.columns = data.columns.astype(str)), or write a .csv file."
)


def test_parquet_refuses_non_string_column_names_before_generating(
    numbered: SyntheticGenerator, tmp_path: Path
) -> None:
    events: list[ProgressEvent] = []
    path = tmp_path / "out.parquet"

    with pytest.raises(InvalidDataError) as refused:
        numbered.generate_to(path, 50_000, 1_000, seed=1, progress=events.append)

    assert str(refused.value) == NON_STRING_PARQUET
    # Refused before the first batch: no row was reported, no file was left.
    assert events == []
    assert list(tmp_path.iterdir()) == []


def test_csv_and_batches_keep_a_column_named_by_an_int(
    numbered: SyntheticGenerator, tmp_path: Path
) -> None:
    rows = pd.concat(numbered.iter_batches(300, 120, seed=2))
    numbered.generate_to(tmp_path / "out.csv", 300, 120, seed=2)
    read = pd.read_csv(tmp_path / "out.csv")

    assert list(rows.columns) == [0, "city"]
    # CSV headers are text: the int name comes back as "0", the values as written.
    assert list(read.columns) == ["0", "city"]
    assert read.to_csv(index=False) == rows.to_csv(index=False)


def test_cli_generate_names_a_non_string_column_for_parquet(
    numbered: SyntheticGenerator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    numbered.save(tmp_path / "model.genesis")
    out = tmp_path / "rows.parquet"

    status = main(
        ["generate", str(tmp_path / "model.genesis"), "-n", "10", "-o", str(out)]
    )

    assert status == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"genesis: {NON_STRING_PARQUET}"
    assert not out.exists()


@pytest.mark.parametrize("batch_size", [0, -5, 2.5, True, "100"])
def test_bad_batch_size_names_the_argument(
    copula: SyntheticGenerator, batch_size: object
) -> None:
    with pytest.raises(InvalidConfigError, match="batch_size must be a positive"):
        copula.iter_batches(100, batch_size)


@pytest.mark.parametrize("n_rows", [-1, 10.0, None, "5", 10**20])
def test_bad_n_rows_names_the_argument(
    copula: SyntheticGenerator, n_rows: object
) -> None:
    with pytest.raises(InvalidDataError, match="n_rows must be"):
        copula.iter_batches(n_rows)
    with pytest.raises(InvalidDataError, match="n_rows must be"):
        copula.generate_to("never.parquet", n_rows)


def test_zero_rows_give_no_batches(copula: SyntheticGenerator) -> None:
    assert list(copula.iter_batches(0)) == []


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_zero_rows_write_a_file_with_the_columns(
    copula: SyntheticGenerator, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"empty{suffix}"
    written = copula.generate_to(path, 0)
    read = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)

    assert written == 0
    assert (len(read), list(read.columns)) == (0, list(copula.metadata_.columns))


def test_unfitted_generator_refuses_to_stream() -> None:
    with pytest.raises(NotFittedError):
        SyntheticGenerator(method="gaussian_copula").iter_batches(10)


def test_identifiers_stay_unique_across_blocks() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(np.arange(100, 600), dtype="Int64"),
            "order": [f"ORD-{n:06d}" for n in range(500)],
            "spend": rng.gamma(2.0, 30.0, 500),
        }
    )
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    generator.fit(frame, progress=False)
    rows = pd.concat(generator.iter_batches(SEED_BLOCK_ROWS + 10, 5_000, seed=1))

    assert rows["customer_id"].is_unique and rows["order"].is_unique
    assert rows["customer_id"].iloc[SEED_BLOCK_ROWS] == 100 + SEED_BLOCK_ROWS
    assert rows["order"].iloc[SEED_BLOCK_ROWS] == f"ORD-{SEED_BLOCK_ROWS:06d}"
    assert rows.dtypes.to_dict() == frame.dtypes.to_dict()


def _peak_bytes(run) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_iter_batches_stays_flat(
    copula: SyntheticGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One thread: columns restored side by side peak when their copies
    # happen to overlap (7.0 to 9.1 MB here, whatever the row count), which
    # is noise to a test of how the peak grows with rows.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")

    def consume(n_rows: int):
        def run() -> None:
            for batch in copula.iter_batches(n_rows, 4_096, seed=3):
                del batch

        return run

    small = _peak_bytes(consume(2 * SEED_BLOCK_ROWS))
    large = _peak_bytes(consume(8 * SEED_BLOCK_ROWS))
    whole = _peak_bytes(lambda: copula.generate(8 * SEED_BLOCK_ROWS, seed=3))

    # Four times the rows: streaming's peak must not grow (20% for allocator
    # noise), while holding them all grows well past it, which shows the
    # measurement sees row memory at all.
    assert large < 1.2 * small
    assert whole > 2 * large


def test_cli_generate_streams_to_parquet(
    copula: SyntheticGenerator, reference: pd.DataFrame, tmp_path: Path
) -> None:
    copula.save(tmp_path / "model.genesis")
    out = tmp_path / "rows.parquet"
    status = main(
        [
            "generate",
            str(tmp_path / "model.genesis"),
            "--rows",
            str(N_ROWS),
            "--out",
            str(out),
            "--batch-size",
            "5000",
            "--seed",
            "5",
        ]
    )

    assert status == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out), reference.reset_index(drop=True)
    )


def test_cli_generate_refuses_a_bad_batch_size(
    copula: SyntheticGenerator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copula.save(tmp_path / "model.genesis")
    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "generate",
                str(tmp_path / "model.genesis"),
                "--rows",
                "10",
                "--out",
                str(tmp_path / "rows.csv"),
                "--batch-size",
                "0",
            ]
        )

    assert exit_.value.code == 2
    # The option as typed, not the Python keyword behind it.
    assert "argument --batch-size: '0' is not" in capsys.readouterr().err


# -- genesis.gpu front door -----------------------------------------------------


def test_batched_generator_refuses_a_method_nobody_provides() -> None:
    with pytest.raises(UnknownMethodError, match="'diffusion' is not a method"):
        BatchedGenerator(method="diffusion", device="cpu")


def test_batched_generator_names_the_install_line_for_a_missing_backend() -> None:
    with pytest.raises(BackendNotAvailableError, match="pip install"):
        BatchedGenerator(method="ctgan", device="cpu", backend="abacus")


def test_batched_copula_generates_the_rows_of_its_batches() -> None:
    adult = load_adult().head(1_000)
    generator = BatchedGenerator(
        method="gaussian_copula", device="cpu", batch_size=3_000, seed=1
    )
    generator.fit(adult, ADULT_DISCRETE_COLUMNS, progress=False)
    whole = generator.generate(10_000, seed=4)
    batches = list(generator.iter_batches(10_000, seed=4))

    assert [len(b) for b in batches] == [3_000, 3_000, 3_000, 1_000]
    pd.testing.assert_frame_equal(pd.concat(batches).reset_index(drop=True), whole)
    if importlib.util.find_spec("pyarrow") is not None:
        assert generator.parquet_schema().names == list(adult.columns)


# -- Dask ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def distributed_module():
    pytest.importorskip("dask.dataframe")
    return pytest.importorskip("distributed")


@pytest.mark.parametrize(("workers", "npartitions"), [(1, 2), (1, 3), (2, 5)])
def test_dask_rows_do_not_depend_on_workers_or_partitions(
    copula: SyntheticGenerator,
    reference: pd.DataFrame,
    distributed_module,
    workers: int,
    npartitions: int,
) -> None:
    with (
        distributed_module.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed_module.Client(cluster) as client,
    ):
        frame = copula.generate_dask(N_ROWS, npartitions, client, seed=5)
        rows = frame.compute()

    assert frame.npartitions == npartitions
    pd.testing.assert_frame_equal(rows, reference, check_index_type=False)


def test_dask_frame_writes_parquet(
    copula: SyntheticGenerator,
    reference: pd.DataFrame,
    distributed_module,
    tmp_path: Path,
) -> None:
    copula.generate_dask(N_ROWS, 4, seed=5).to_parquet(tmp_path / "parts")
    read = pd.read_parquet(tmp_path / "parts")

    assert len(list((tmp_path / "parts").glob("*.parquet"))) == 4
    pd.testing.assert_frame_equal(
        read.reset_index(drop=True), reference.reset_index(drop=True)
    )


def test_bad_npartitions_names_the_argument(
    copula: SyntheticGenerator, distributed_module
) -> None:
    with pytest.raises(InvalidConfigError, match="npartitions must be a positive"):
        copula.generate_dask(100, 0)


def test_dask_makes_no_more_partitions_than_rows(
    copula: SyntheticGenerator, reference: pd.DataFrame, distributed_module
) -> None:
    frame = copula.generate_dask(3, 10, seed=5)
    empty = copula.generate_dask(0, 4, seed=5).compute()

    assert frame.npartitions == 3
    pd.testing.assert_frame_equal(
        frame.compute(), reference.iloc[:3], check_index_type=False
    )
    assert (len(empty), list(empty.columns)) == (0, list(reference.columns))


def test_large_partitions_are_cut_at_seed_block_edges(
    copula: SyntheticGenerator, distributed_module
) -> None:
    frame = copula.generate_dask(10 * SEED_BLOCK_ROWS + 7, 4, seed=5)

    # Even shares would start just past 2.5, 5 and 7.5 blocks; the cuts move
    # to the nearest block edges, so no block is generated twice.
    assert frame.divisions == (
        0,
        3 * SEED_BLOCK_ROWS,
        5 * SEED_BLOCK_ROWS,
        8 * SEED_BLOCK_ROWS,
        10 * SEED_BLOCK_ROWS + 6,
    )


# -- the allocator in Dask workers ---------------------------------------------

_MAPPED_BLOCKS = """
import ctypes, json, numpy as np
from genesis._streaming import heap_kept_between_batches

libc = ctypes.CDLL(None)
names = ("arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
         "keepcost").split()

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in names]

libc.mallinfo2.restype = Info

def mapped_blocks_while_holding_8_mib():
    held = np.ones(8 * 2**20, dtype=np.uint8)
    blocks = libc.mallinfo2().hblks
    del held
    return blocks

# Without the variable, glibc raises its threshold after the first such
# block is freed; one block first leaves that out of the comparison.
mapped_blocks_while_holding_8_mib()
counts = {"before": mapped_blocks_while_holding_8_mib()}
with heap_kept_between_batches():
    counts["inside"] = mapped_blocks_while_holding_8_mib()
counts["after"] = mapped_blocks_while_holding_8_mib()
print(json.dumps(counts))
"""


@pytest.mark.skipif(_glibc() is None, reason="the allocator setting is glibc's")
@pytest.mark.parametrize("told_to_trim", [True, False])
def test_partitions_keep_freed_memory_only_where_the_process_trims(
    told_to_trim: bool,
) -> None:
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which
    # makes glibc map every block over 128 KiB afresh from the system (and
    # made a Dask partition 1.7x slower to generate). Inside the block an
    # 8 MiB array comes from the heap; before and after it is mapped again.
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")
    }
    if told_to_trim:
        environment["MALLOC_TRIM_THRESHOLD_"] = "65536"
    result = subprocess.run(
        [sys.executable, "-c", _MAPPED_BLOCKS],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["after"] == counts["before"]
    if told_to_trim:
        assert counts["inside"] == counts["before"] - 1
    else:
        assert counts["inside"] == counts["before"]


def test_a_failing_writer_stops_the_generation_thread(
    copula: SyntheticGenerator, tmp_path: Path
) -> None:
    # The next batch is made on another thread while one is written; when
    # writing fails, that thread stops and nothing is left behind.
    seen: list[int] = []

    def stop_after_two(event: ProgressEvent) -> None:
        seen.append(event.step)
        if len(seen) == 2:
            raise RuntimeError("disk full")

    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError, match="disk full"):
        copula.generate_to(path, 100_000, 10_000, seed=1, progress=stop_after_two)
    assert seen == [10_000, 20_000]
    assert not path.exists()
    assert not [t for t in threading.enumerate() if t.name == "genesis-generate-ahead"]


def test_batches_are_made_at_most_one_ahead_of_the_writer() -> None:
    made = 0

    def batches():
        nonlocal made
        for number in range(6):
            made += 1
            yield pd.DataFrame({"number": [number]})

    seen = []
    with _made_ahead(batches()) as ahead:
        for batch in ahead:
            time.sleep(0.05)  # time for the maker to run ahead, if it could
            seen.append(int(batch["number"].iloc[0]))
            assert made <= len(seen) + 1
    assert seen == list(range(6))


def test_whatever_the_maker_raises_reaches_the_writer() -> None:
    def batches():
        yield pd.DataFrame({"number": [0]})
        raise SystemExit("stopped")

    with pytest.raises(SystemExit, match="stopped"), _made_ahead(batches()) as ahead:
        for _ in ahead:
            pass
