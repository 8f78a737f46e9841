"""Fitting on every backend: seeds, losses, progress, Ctrl-C, logs, batch sizes."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from genesis.errors import NotFittedError, TrainingDivergedError
from genesis.protocols import ProgressEvent
from tests.backends.conftest import Backend, fitted
from tests.tables import SMALL_CONFIG, Shop, prepare, shop_frame

METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])
LOSSES = {
    "ctgan": {"generator", "discriminator", "conditional", "gradient_penalty"},
    "tvae": {"loss", "reconstruction", "kl"},
}


@METHODS
def test_same_seed_gives_identical_output(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    first, second = (
        fitted(backend, method, prepared, seed=11).generate(
            200, rng=np.random.default_rng(5)
        )
        for _ in range(2)
    )
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


@METHODS
def test_other_seed_gives_other_output(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    first, second = (
        fitted(backend, method, prepared, seed=seed).generate(
            200, rng=np.random.default_rng(5)
        )
        for seed in (11, 12)
    )
    assert not np.array_equal(first["amount"], second["amount"])


@METHODS
def test_loss_history_has_one_entry_per_epoch_with_the_models_losses(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(backend, method, prepared, epochs=3)
    assert [entry["epoch"] for entry in generator.loss_history_] == [1, 2, 3]
    assert all(
        set(entry) == {"epoch", *LOSSES[method]} for entry in generator.loss_history_
    )
    assert all(np.isfinite(v) for e in generator.loss_history_ for v in e.values())
    assert generator.interrupted_ is False


def test_tvae_loss_falls_while_it_learns(backend: Backend, shop: Shop) -> None:
    _, prepared = shop
    history = fitted(backend, "tvae", prepared, epochs=6).loss_history_
    # Six epochs of a VAE on 400 rows: the loss must at least halve from the
    # first epoch, which an optimizer stepping the wrong way never does.
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]


@METHODS
def test_progress_callback_gets_every_epoch_with_losses(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    events: list[ProgressEvent] = []
    generator = backend.implementation(method)(
        {**SMALL_CONFIG[method], "epochs": 3}, seed=0, device="cpu"
    )
    generator.fit(prepared, progress=events.append)
    assert [(e.stage, e.step, e.total) for e in events] == [
        ("fit", i, 3) for i in (1, 2, 3)
    ]
    history = [
        {k: v for k, v in e.items() if k != "epoch"} for e in generator.loss_history_
    ]
    assert [dict(e.losses) for e in events] == history


@METHODS
def test_ctrl_c_stops_training_and_keeps_a_usable_model(
    backend: Backend, method: str, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    _, prepared = shop

    def interrupt_at_epoch_two(event: ProgressEvent) -> None:
        if event.step == 2:
            raise KeyboardInterrupt

    generator = backend.implementation(method)(
        {**SMALL_CONFIG[method], "epochs": 10}, seed=0, device="cpu"
    )
    with caplog.at_level(logging.WARNING):
        generator.fit(prepared, progress=interrupt_at_epoch_two)
    assert generator.interrupted_ is True
    assert len(generator.loss_history_) == 2
    assert "interrupted after 2 of 10 epochs" in caplog.text
    rows = generator.generate(30, rng=np.random.default_rng(0))
    assert len(rows["amount"]) == 30


def test_a_diverging_fit_stops_with_advice_and_leaves_no_model(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    generator = backend.implementation("ctgan")(
        {
            **SMALL_CONFIG["ctgan"],
            "epochs": 5,
            "generator_lr": 1e8,
            "discriminator_lr": 1e8,
        },
        seed=0,
        device="cpu",
    )
    with pytest.raises(TrainingDivergedError, match=r"epoch \d of 5.*generator_lr"):
        generator.fit(prepared)
    with pytest.raises(NotFittedError):
        generator.generate(5, rng=np.random.default_rng(0))


@METHODS
def test_fit_logs_its_cost_and_precision(
    backend: Backend, method: str, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    _, prepared = shop
    with caplog.at_level(logging.INFO, logger=f"genesis_{backend.name}"):
        generator = fitted(backend, method, prepared, epochs=1)
    assert "encoded width" in caplog.text
    assert "Modes kept per continuous column: 'amount'" in caplog.text
    assert "s per epoch" in caplog.text
    products = "bfloat16" if generator.mixed_precision_ else "float32"
    assert f"({products} matrix products)" in caplog.text


# A table of fewer than eight batches gets batches of about an eighth of its
# rows, in whole packs of 10 and at least one pack; larger tables keep theirs.
@pytest.mark.parametrize(
    ("n_rows", "expected"), [(300, 30), (75, 10), (5, 10), (4000, 500)]
)
def test_ctgan_shrinks_the_batch_of_a_small_table_to_whole_packs(
    backend: Backend, n_rows: int, expected: int
) -> None:
    _, prepared = prepare(shop_frame(n_rows), ["channel"])
    generator = fitted(backend, "ctgan", prepared, epochs=1, batch_size=500)
    assert generator.batch_size_ == expected
    assert len(generator.generate(20, rng=np.random.default_rng(0))["amount"]) == 20


def test_tvae_shrinks_the_batch_of_a_small_table(backend: Backend) -> None:
    _, prepared = prepare(shop_frame(40), ["channel"])
    generator = fitted(backend, "tvae", prepared, epochs=1, batch_size=500)
    assert generator.batch_size_ == 5


def test_ctgan_trains_with_several_discriminator_steps(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(backend, "ctgan", prepared, epochs=1, discriminator_steps=2)
    assert all(np.isfinite(v) for v in generator.loss_history_[0].values())


@METHODS
def test_a_dominant_discrete_column_is_warned_about(
    backend: Backend, method: str
) -> None:
    frame = shop_frame(300)
    frame["ticket"] = [f"t{i % 120}" for i in range(len(frame))]
    _, prepared = prepare(frame, ["channel", "ticket"])
    with pytest.warns(UserWarning, match="'ticket' takes 120 of the"):
        fitted(backend, method, prepared, epochs=1)


def test_a_narrow_discrete_column_over_half_the_width_is_not_warned_about(
    backend: Backend,
) -> None:
    # Two columns: a number (scalar + a few modes) and five categories, which
    # are over half the encoded width but cheap to learn.
    frame = pd.DataFrame(
        {
            "grade": [f"g{i % 5}" for i in range(200)],
            "score": np.linspace(0.0, 1.0, 200),
        }
    )
    _, prepared = prepare(frame, ["grade"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted(backend, "tvae", prepared, epochs=1)
