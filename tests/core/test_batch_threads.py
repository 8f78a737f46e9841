"""collect_rows on BatchThreads: the rows of a run do not depend on the threads."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading

import numpy as np
import pytest

from genesis.errors import ConditionNotMetError
from genesis.training import BatchThreads, Condition, collect_rows, usable_cpus


def produce(count: int, index: int) -> dict[str, np.ndarray]:
    """Rows of batch ``index``: a function of the index alone, as a backend's are."""
    rng = np.random.default_rng(index)
    return {
        "value": rng.random(count),
        "code": rng.integers(0, 10, count),
        "thread": np.full(count, threading.get_ident()),
    }


def printed_by(script: str) -> str:
    """What ``script`` prints in a fresh interpreter, which must exit cleanly."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def run(threads: BatchThreads | None, n: int, conditions: list[Condition]):
    return collect_rows(produce, n, conditions, 64, threads)


@pytest.mark.parametrize(
    "conditions",
    [[], [Condition("code", code=3)], [Condition("value", low=0.2, high=0.3)]],
    ids=["none", "discrete", "range"],
)
def test_threads_give_the_rows_made_in_turn(conditions: list[Condition]) -> None:
    in_turn = run(None, 1000, conditions)
    threads = BatchThreads(3)
    try:
        side_by_side = run(threads, 1000, conditions)
    finally:
        threads.close()
    for key in ("value", "code"):
        assert len(side_by_side[key]) == 1000
        np.testing.assert_array_equal(in_turn[key], side_by_side[key])
    for condition in conditions:
        assert condition.met(side_by_side[condition.key]).all()
    # The batches did run on the pool's threads.
    assert threading.get_ident() not in set(side_by_side["thread"].tolist())


def test_zero_rows_and_one_short_batch() -> None:
    threads = BatchThreads(2)
    try:
        assert len(run(threads, 0, [])["value"]) == 0
        np.testing.assert_array_equal(
            run(threads, 10, [])["value"], produce(10, 0)["value"]
        )
    finally:
        threads.close()


def test_an_unmet_condition_stops_on_threads_too() -> None:
    threads = BatchThreads(2)
    try:
        with pytest.raises(ConditionNotMetError, match="too rare"):
            run(threads, 50, [Condition("code", code=99)])
    finally:
        threads.close()


def test_setup_runs_on_every_thread_before_its_first_batch() -> None:
    ready: set[int] = set()
    threads = BatchThreads(2, setup=lambda: ready.add(threading.get_ident()))
    try:
        seen = threads.map(lambda _: threading.get_ident() in ready, range(8))
    finally:
        threads.close()
    assert all(seen)


def test_runs_are_cut_into_full_batches_and_one_rest() -> None:
    made: list[tuple[int, int]] = []

    def record(count: int, index: int) -> dict[str, np.ndarray]:
        made.append((index, count))
        return produce(count, index)

    rows = collect_rows(record, 150, [], 64)
    assert sorted(made) == [(0, 64), (1, 64), (2, 22)]
    assert len(rows["value"]) == 150


def test_no_threads_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BatchThreads(0)


def test_shared_threads_are_kept_per_arguments() -> None:
    def setup() -> None:
        pass

    first = BatchThreads.shared(2, setup)
    assert BatchThreads.shared(2, setup) is first
    assert BatchThreads.shared(3, setup) is not first
    assert BatchThreads.shared(2) is not first
    assert BatchThreads.shared(2, setup, name="other") is not first
    assert first.map(lambda index: index * 2, range(5)) == [0, 2, 4, 6, 8]


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork here"
)
def test_a_forked_child_starts_its_own_shared_threads() -> None:
    # The parent's threads do not exist in a forked child; using the copied
    # pool there would wait forever. Run in a fresh interpreter, so that no
    # other library's threads (jax's) are around the fork.
    script = (
        "import multiprocessing\n"
        "from genesis.training import BatchThreads\n"
        "def child(queue):\n"
        "    queue.put(BatchThreads.shared(2).map(lambda i: i + 1, range(4)))\n"
        "if __name__ == '__main__':\n"
        "    BatchThreads.shared(2).map(lambda i: i, range(4))\n"
        "    context = multiprocessing.get_context('fork')\n"
        "    queue = context.Queue()\n"
        "    process = context.Process(target=child, args=(queue,))\n"
        "    process.start()\n"
        "    process.join(timeout=30)\n"
        "    if process.is_alive():\n"
        "        process.kill()\n"
        "        raise SystemExit('the child hung')\n"
        "    print(queue.get(timeout=5))\n"
    )
    assert printed_by(script) == "[1, 2, 3, 4]"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("1", 1), ("64", None), ("", None), ("many", None), ("0", 1)],
)
def test_usable_cpus_honours_omp_num_threads(
    monkeypatch: pytest.MonkeyPatch, setting: str, expected: int | None
) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    all_cpus = usable_cpus()
    monkeypatch.setenv("OMP_NUM_THREADS", setting)
    assert usable_cpus() == (all_cpus if expected is None else expected)


def produce_rare(count: int, index: int) -> dict[str, np.ndarray]:
    """Batches whose only row with code 3 is in batch 6."""
    codes = np.full(count, 9)
    if index == 6:
        codes[0] = 3
    return {"code": codes}


@pytest.mark.parametrize("workers", [None, 2, 8])
def test_giving_up_does_not_depend_on_the_threads(workers: int | None) -> None:
    # One row wanted, 64-row batches: the limit (356 rows) is passed after
    # batch 5, one batch before the only match, however the batches are run.
    threads = BatchThreads(workers) if workers else None
    try:
        with pytest.raises(ConditionNotMetError, match="after generating 384 rows"):
            collect_rows(produce_rare, 1, [Condition("code", code=3)], 64, threads)
    finally:
        if threads is not None:
            threads.close()


def test_a_condition_most_rows_meet_costs_one_batch_on_many_threads() -> None:
    made: list[int] = []

    def record(count: int, index: int) -> dict[str, np.ndarray]:
        made.append(index)
        return produce(count, index)

    threads = BatchThreads(8)
    try:
        rows = collect_rows(
            record, 5, [Condition("value", low=0.0, high=0.9)], 64, threads
        )
    finally:
        threads.close()
    assert made == [0]
    assert len(rows["value"]) == 5


def test_a_batch_that_maps_on_its_own_threads_runs_its_work_in_turn() -> None:
    threads = BatchThreads(2)
    try:
        nested = threads.map(lambda _: threads.map(lambda j: j * j, range(3)), range(4))
    finally:
        threads.close()
    assert nested == [[0, 1, 4]] * 4


def test_a_failing_setup_is_raised_by_the_constructor() -> None:
    def broken() -> None:
        raise RuntimeError("no such device")

    with pytest.raises(RuntimeError, match="no such device"):
        BatchThreads(2, setup=broken)


def test_an_error_in_a_batch_reaches_the_caller_and_the_threads_go_on() -> None:
    threads = BatchThreads(2)

    def fail_on_three(index: int) -> int:
        if index == 3:
            raise ValueError("batch 3")
        return index

    try:
        with pytest.raises(ValueError, match="batch 3"):
            threads.map(fail_on_three, range(6))
        assert threads.map(lambda index: index, range(4)) == [0, 1, 2, 3]
    finally:
        threads.close()


def test_threads_serve_a_thread_that_outlives_the_main_one() -> None:
    # A non-daemon thread that generates after the main thread has returned
    # (at interpreter shutdown) still gets its batches made.
    script = (
        "import threading, time\n"
        "from genesis.training import BatchThreads\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    threads = BatchThreads(2)\n"
        "    print(sum(threads.map(lambda i: i, range(10))))\n"
        "threading.Thread(target=late).start()\n"
    )
    assert printed_by(script) == "45"
