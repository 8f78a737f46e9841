"""Fitting: network shapes, batch sizes, seeds, losses, progress and Ctrl-C."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from genesis.data import PreparedTable, TablePreparer
from genesis.protocols import ProgressEvent
from genesis_torch import CTGANGenerator, TVAEGenerator, _fitting
from tests.torch.conftest import prepare, shop_frame

SMALL_CTGAN = {
    "epochs": 2,
    "batch_size": 100,
    "generator_dim": (32, 32),
    "discriminator_dim": (32, 32),
    "embedding_dim": 16,
}
SMALL_TVAE = {
    "epochs": 2,
    "batch_size": 100,
    "compress_dims": (32, 32),
    "decompress_dims": (32, 32),
    "embedding_dim": 16,
}
SMALL = {CTGANGenerator: SMALL_CTGAN, TVAEGenerator: SMALL_TVAE}
BOTH = pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])

Shop = tuple[TablePreparer, PreparedTable]


def fitted(implementation: type, prepared: PreparedTable, seed: int = 0, **config):
    generator = implementation(
        {**SMALL[implementation], **config}, seed=seed, device="cpu"
    )
    generator.fit(prepared)
    return generator


@pytest.mark.parametrize("dims", [(128,), (256, 256, 256)])
def test_ctgan_takes_the_guides_generator_dims(
    shop: Shop, dims: tuple[int, ...]
) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared, epochs=1, generator_dim=dims)
    network = generator._model.generator
    assert [layer.linear.out_features for layer in network.layers] == list(dims)
    rows = generator.generate(50, rng=np.random.default_rng(0))
    assert all(len(values) == 50 for values in rows.values())


def test_tvae_takes_one_layer_encoder_and_decoder(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(
        TVAEGenerator, prepared, compress_dims=(64,), decompress_dims=(64,)
    )
    assert len(generator._model.encoder.layers) == 1
    assert len(generator._model.decoder.layers) == 1


# A table of fewer than eight batches gets batches of about an eighth of its
# rows, in whole packs of 10 and at least one pack; larger tables keep theirs.
@pytest.mark.parametrize(
    ("n_rows", "expected"), [(300, 30), (75, 10), (5, 10), (4000, 500)]
)
def test_ctgan_shrinks_the_batch_of_a_small_table_to_whole_packs(
    n_rows: int, expected: int
) -> None:
    _, prepared = prepare(shop_frame(n_rows), ["channel"])
    generator = fitted(CTGANGenerator, prepared, epochs=1, batch_size=500)
    assert generator.batch_size_ == expected
    assert len(generator.generate(20, rng=np.random.default_rng(0))["amount"]) == 20


def test_tvae_shrinks_the_batch_of_a_small_table() -> None:
    _, prepared = prepare(shop_frame(40), ["channel"])
    generator = fitted(TVAEGenerator, prepared, epochs=1, batch_size=500)
    assert generator.batch_size_ == 5


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
def test_fit_logs_the_cost_before_training(
    implementation: type, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    _, prepared = shop
    with caplog.at_level(logging.INFO, logger="genesis_torch"):
        fitted_impl = fitted(implementation, prepared, epochs=1)
    assert "encoded width" in caplog.text
    assert "Modes kept per continuous column: 'amount'" in caplog.text
    assert "s per epoch" in caplog.text
    products = "bfloat16" if _fitting.uses_bfloat16(fitted_impl) else "float32"
    assert f"({products} matrix products)" in caplog.text


def test_a_dominant_discrete_column_is_warned_about() -> None:
    frame = shop_frame(300)
    frame["ticket"] = [f"t{i % 120}" for i in range(len(frame))]
    _, prepared = prepare(frame, ["channel", "ticket"])
    with pytest.warns(UserWarning, match="'ticket' takes 120 of the"):
        fitted(TVAEGenerator, prepared, epochs=1)


def test_a_narrow_discrete_column_over_half_the_width_is_not_warned_about() -> None:
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
        fitted(TVAEGenerator, prepared, epochs=1)


@BOTH
def test_seeded_fit_keeps_and_restores_torchs_thread_count(
    implementation: type, shop: Shop
) -> None:
    torch = pytest.importorskip("torch")
    _, prepared = shop
    torch.set_num_threads(2)
    generator = fitted(implementation, prepared, epochs=1)
    assert generator.threads_ == 2
    assert torch.get_num_threads() == 2


def test_unseeded_fit_restores_torchs_thread_count(shop: Shop) -> None:
    torch = pytest.importorskip("torch")
    _, prepared = shop
    torch.set_num_threads(2)
    generator = TVAEGenerator({**SMALL_TVAE, "epochs": 1}, seed=None, device="cpu")
    generator.fit(prepared)
    assert generator.threads_ in (1, 2)
    assert torch.get_num_threads() == 2
