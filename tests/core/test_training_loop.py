"""The epoch loop every neural table backend shares: losses, Ctrl-C, divergence."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from genesis.errors import TrainingDivergedError
from genesis.training import run_epochs

LOG = logging.getLogger("tests.training_loop")


def epochs_giving(*losses: dict[str, float]) -> Callable[[], dict[str, float]]:
    queue = list(losses)
    return lambda: queue.pop(0)


def test_finite_losses_are_kept_per_epoch() -> None:
    history, interrupted = run_epochs(
        epochs_giving({"loss": 2.0}, {"loss": 1.5}), 2, None, LOG
    )
    assert history == [{"epoch": 1, "loss": 2.0}, {"epoch": 2, "loss": 1.5}]
    assert interrupted is False


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_loss_that_is_not_finite_stops_the_fit_naming_epoch_and_losses(
    bad: float,
) -> None:
    run_epoch = epochs_giving({"loss": 2.0, "kl": 0.5}, {"loss": bad, "kl": 0.25})
    with pytest.raises(TrainingDivergedError) as caught:
        run_epochs(run_epoch, 4, None, LOG)
    message = str(caught.value)
    assert "epoch 2 of 4" in message
    assert f"loss {bad}" in message
    assert "kl 0.25" in message


def test_ctrl_c_keeps_the_finished_epochs() -> None:
    def run_epoch() -> dict[str, float]:
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return {"loss": 1.0}

    calls: list[int] = []
    history, interrupted = run_epochs(run_epoch, 5, None, LOG)
    assert history == [{"epoch": 1, "loss": 1.0}]
    assert interrupted is True
