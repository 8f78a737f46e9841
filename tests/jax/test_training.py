"""Fitting on JAX: seeds, losses, progress, Ctrl-C, logs and compiled epochs."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from genesis.protocols import ProgressEvent
from genesis_jax import CTGANGenerator, TVAEGenerator
from tests.jax.conftest import BOTH, SMALL, Shop, fitted, prepare, shop_frame


@BOTH
def test_same_seed_gives_identical_output(implementation: type, shop: Shop) -> None:
    _, prepared = shop
    first = fitted(implementation, prepared, seed=11).generate(
        200, rng=np.random.default_rng(5)
    )
    second = fitted(implementation, prepared, seed=11).generate(
        200, rng=np.random.default_rng(5)
    )
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


@BOTH
def test_other_seed_gives_other_output(implementation: type, shop: Shop) -> None:
    _, prepared = shop
    first = fitted(implementation, prepared, seed=11).generate(
        200, rng=np.random.default_rng(5)
    )
    second = fitted(implementation, prepared, seed=12).generate(
        200, rng=np.random.default_rng(5)
    )
    assert not np.array_equal(first["amount"], second["amount"])


@BOTH
def test_loss_history_has_one_entry_per_epoch(implementation: type, shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(implementation, prepared, epochs=3)
    assert [entry["epoch"] for entry in generator.loss_history_] == [1, 2, 3]
    assert all(np.isfinite(v) for e in generator.loss_history_ for v in e.values())
    assert generator.interrupted_ is False


def test_tvae_loss_falls_while_it_learns(shop: Shop) -> None:
    _, prepared = shop
    history = fitted(TVAEGenerator, prepared, epochs=6).loss_history_
    # Six epochs of a VAE on 400 rows: the loss must at least halve from the
    # first epoch, which an optimizer stepping the wrong way never does.
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]


@BOTH
def test_progress_callback_gets_every_epoch_with_losses(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    events: list[ProgressEvent] = []
    generator = implementation(
        {**SMALL[implementation], "epochs": 3}, seed=0, device="cpu"
    )
    generator.fit(prepared, progress=events.append)
    assert [(e.stage, e.step, e.total) for e in events] == [
        ("fit", i, 3) for i in (1, 2, 3)
    ]
    history = [
        {k: v for k, v in e.items() if k != "epoch"} for e in generator.loss_history_
    ]
    assert [dict(e.losses) for e in events] == history


def test_ctgan_reports_both_networks_losses(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared, epochs=1)
    assert set(generator.loss_history_[0]) == {
        "epoch",
        "generator",
        "discriminator",
        "conditional",
        "gradient_penalty",
    }


def test_tvae_reports_the_same_losses_as_torch(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(TVAEGenerator, prepared, epochs=1)
    assert set(generator.loss_history_[0]) == {"epoch", "loss", "reconstruction", "kl"}


@BOTH
def test_ctrl_c_stops_training_and_keeps_a_usable_model(
    implementation: type, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    _, prepared = shop

    def interrupt_at_epoch_two(event: ProgressEvent) -> None:
        if event.step == 2:
            raise KeyboardInterrupt

    generator = implementation(
        {**SMALL[implementation], "epochs": 10}, seed=0, device="cpu"
    )
    with caplog.at_level(logging.WARNING):
        generator.fit(prepared, progress=interrupt_at_epoch_two)
    assert generator.interrupted_ is True
    assert len(generator.loss_history_) == 2
    assert "interrupted after 2 of 10 epochs" in caplog.text
    rows = generator.generate(30, rng=np.random.default_rng(0))
    assert len(rows["amount"]) == 30


@BOTH
def test_fit_logs_the_cost_and_the_epoch_time(
    implementation: type, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    _, prepared = shop
    with caplog.at_level(logging.INFO, logger="genesis_jax"):
        fitted(implementation, prepared, epochs=1)
    assert "encoded width" in caplog.text
    assert "Modes kept per continuous column: 'amount'" in caplog.text
    assert "s per epoch" in caplog.text


@BOTH
def test_a_second_fit_of_the_same_shapes_reuses_the_compiled_epoch(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    fitted(implementation, prepared, seed=1)
    again = fitted(implementation, prepared, seed=2)
    assert again.compile_seconds_ == 0.0


def test_ctgan_takes_one_layer_networks_and_a_small_table() -> None:
    # 75 rows: batches shrink to one pack of 10, and one-layer networks.
    _, prepared = prepare(shop_frame(75), ["channel"])
    generator = fitted(
        CTGANGenerator,
        prepared,
        epochs=1,
        generator_dim=(16,),
        discriminator_dim=(16,),
    )
    assert generator.batch_size_ == 10
    assert len(generator._model.generator.layers) == 1
    assert len(generator.generate(20, rng=np.random.default_rng(0))["amount"]) == 20


def test_ctgan_trains_with_several_discriminator_steps(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared, epochs=1, discriminator_steps=2)
    assert all(np.isfinite(v) for v in generator.loss_history_[0].values())


def test_tvae_shrinks_the_batch_of_a_small_table() -> None:
    _, prepared = prepare(shop_frame(40), ["channel"])
    generator = fitted(TVAEGenerator, prepared, epochs=1, batch_size=500)
    assert generator.batch_size_ == 5
