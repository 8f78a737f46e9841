"""Generation on several CPU threads: same rows, torch's setting left as found."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from genesis.table_model import GENERATE_BATCH
from genesis_torch import CTGANGenerator, TVAEGenerator
from genesis_torch._fitting import batch_threads
from tests.tables import SMALL_CONFIG, Shop

torch = pytest.importorskip("torch")

BOTH = pytest.mark.parametrize(
    ("implementation", "method"), [(CTGANGenerator, "ctgan"), (TVAEGenerator, "tvae")]
)
ROWS = 2 * GENERATE_BATCH + 300


def fitted(implementation: type, method: str, shop: Shop):
    generator = implementation(SMALL_CONFIG[method], seed=0, device="cpu")
    generator.fit(shop[1])
    return generator


def count_on_a_new_thread() -> int:
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    return seen[0]


@BOTH
def test_rows_are_the_same_on_one_thread_and_on_three(
    implementation: type, method: str, shop: Shop
) -> None:
    generator = fitted(implementation, method, shop)
    phone = 2
    results = {}
    for threads in (1, 3):
        torch.set_num_threads(threads)
        results[threads] = [
            generator.generate(ROWS, rng=np.random.default_rng(5), conditions=c)
            for c in (None, {"channel": phone})
        ]
    for one, three in zip(results[1], results[3], strict=True):
        for key in one:
            np.testing.assert_array_equal(one[key], three[key])
    assert set(results[3][1]["channel"].tolist()) == {phone}


def test_each_generation_thread_runs_torch_on_one_thread() -> None:
    torch.set_num_threads(3)
    with batch_threads(torch.device("cpu")) as threads:
        assert threads is not None
        assert threads.workers == 3
        counts = threads.map(lambda _: torch.get_num_threads(), range(6))
        names = threads.map(lambda _: threading.current_thread().name, range(6))
    assert counts == [1] * 6
    assert all(name.startswith("genesis-generate") for name in names)


def test_one_torch_thread_generates_in_turn() -> None:
    torch.set_num_threads(1)
    with batch_threads(torch.device("cpu")) as threads:
        assert threads is None


@BOTH
def test_generation_leaves_torchs_thread_count_as_it_was(
    implementation: type, method: str, shop: Shop
) -> None:
    generator = fitted(implementation, method, shop)
    # A count no other test uses, so that the batch threads start here and
    # set their own count to one.
    threads = 5 if method == "ctgan" else 6
    torch.set_num_threads(threads)
    generator.generate(ROWS, rng=np.random.default_rng(0))
    assert torch.get_num_threads() == threads
    # Threads started later begin with the caller's count too, not the
    # single thread the generation threads run on.
    assert count_on_a_new_thread() == threads


def test_threads_started_while_generating_keep_the_callers_count() -> None:
    # The batch threads set torch's count to one for themselves as they
    # start; the process-wide count that new threads begin with is put back
    # before the first batch runs.
    torch.set_num_threads(7)
    with batch_threads(torch.device("cpu")) as threads:
        assert threads is not None
        assert count_on_a_new_thread() == 7
        assert threads.map(lambda _: torch.get_num_threads(), range(7)) == [1] * 7
    assert torch.get_num_threads() == 7
