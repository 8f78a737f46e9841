"""Parity: trained on the same real data with the same budget, the JAX and
torch backends reach the same quality."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.evaluation import evaluate

# (method, config, seeds). A GAN's score after a short fit moves by about
# 0.05 from seed to seed on either backend; after 30 epochs the two
# backends' means over seeds 0-2 are 0.828 (torch) and 0.814 (jax), so
# CTGAN is compared there. At 10 epochs seeds 0-4 alone suggest a gap
# (0.811 torch, 0.749 jax) that seeds 0-19 do not (0.789, 0.778): an epoch
# given the same random numbers matches torch (see test_ctgan_steps.py), and
# the rest is seed spread. TVAE varies little. Seeds are fixed, so each
# backend's score repeats on one machine.
BUDGETS = [
    pytest.param("ctgan", {"epochs": 30, "batch_size": 200}, (0,), id="ctgan"),
    pytest.param("tvae", {"epochs": 20}, (0,), id="tvae"),
]
# Measured on these 3,000 Adult rows with seed 0: CTGAN 0.801 torch, 0.810
# jax; TVAE 0.880 torch, 0.883 jax. The issue asks for scores within 0.03.
GAP = 0.03


def quality(
    method: str, backend: str, config: dict, seeds: tuple[int, ...], data: pd.DataFrame
) -> float:
    """Mean overall quality score of fits with each of ``seeds``."""
    scores = []
    for seed in seeds:
        generator = SyntheticGenerator(
            method=method, backend=backend, config=config, seed=seed
        )
        generator.fit(data, progress=False)
        synthetic = generator.generate(len(data), seed=1)
        scores.append(evaluate(data, synthetic, properties=[]).score)
    return float(np.mean(scores))


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Run torch on one CPU thread, as tests/torch does, then restore it.

    Small networks gain nothing from more threads, and on a busy machine
    threads waiting for each other make the torch fits several times slower.
    """
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize(("method", "config", "seeds"), BUDGETS)
@pytest.mark.usefixtures("one_torch_thread")
def test_jax_and_torch_reach_the_same_quality(
    method: str, config: dict, seeds: tuple[int, ...], adult_sample: pd.DataFrame
) -> None:
    on_torch = quality(method, "torch", config, seeds, adult_sample)
    on_jax = quality(method, "jax", config, seeds, adult_sample)

    assert abs(on_jax - on_torch) < GAP
    # Both learned something: an untrained model scores far below this.
    assert min(on_jax, on_torch) > 0.75
