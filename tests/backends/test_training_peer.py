"""Shapes of peers' bug reports about fitting CTGAN and TVAE, on every backend.

Each test names the report it comes from; the input has the shape the
report describes, the assertion the behaviour we owe the user instead.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from genesis import training
from genesis.data import (
    ConditionalSampler,
    EncodedTable,
    SpanKind,
    TableTransformer,
)
from genesis.errors import InvalidConfigError, InvalidDataError
from tests.backends.conftest import Backend, fitted
from tests.tables import SMALL_CONFIG, Shop, prepare, shop_frame

METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])


# SDV issue 284 and CTGAN issue 93: a table whose encoding leaves the
# networks nothing (no discrete column, one column) crashed deep inside fit.
@METHODS
@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"plan": ["basic"], "price": [9.5], "seats": [3]}),
        pd.DataFrame({"plan": ["basic"] * 30, "price": [9.5] * 30}),
    ],
    ids=["one row", "every column constant"],
)
def test_a_table_where_nothing_varies_is_refused_before_training(
    backend: Backend, method: str, frame: pd.DataFrame
) -> None:
    _, prepared = prepare(frame, ["plan"])
    generator = backend.implementation(method)(SMALL_CONFIG[method], device="cpu")
    with pytest.raises(InvalidDataError, match=r"nothing to learn.*gaussian_copula"):
        generator.fit(prepared)


# synthcity pull request 263: CTGAN crashed on a batch of one row. Batch
# normalisation needs two; a table of 10 rows with pac=1 shrank to that.
def test_ctgan_never_trains_on_a_batch_of_one_row(backend: Backend) -> None:
    _, prepared = prepare(shop_frame(10), ["channel"])
    generator = fitted(backend, "ctgan", prepared, epochs=1, pac=1)
    assert generator.batch_size_ == 2
    assert len(generator.generate(5, rng=np.random.default_rng(0))["amount"]) == 5


def test_a_ctgan_batch_size_of_one_is_refused_with_the_reason(
    backend: Backend,
) -> None:
    with pytest.raises(InvalidConfigError, match=r"at least 2.*batch normalisation"):
        backend.ctgan({"batch_size": 1, "pac": 1}, device="cpu")


# Grid searches hand over numpy integers (np.arange, ParameterGrid): they are
# integers, and the model file's JSON must still take them.
@METHODS
def test_numpy_integers_are_taken_as_config_values(
    backend: Backend, method: str
) -> None:
    layers = "generator_dim" if method == "ctgan" else "compress_dims"
    config = {
        "epochs": np.int64(1),
        "batch_size": np.int32(20),
        layers: np.array([16, 16]),
    }
    generator = backend.implementation(method)(config, device="cpu")
    assert generator.config["epochs"] == 1
    assert type(generator.config["batch_size"]) is int
    assert generator.config[layers] == (16, 16)
    json.dumps(generator.config)


# CTGAN and SDV users pass their keys (verbose=True, cuda=True) or misspell
# ours; the error says where the setting lives here.
@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("epoch", "Did you mean 'epochs'"),
        ("generator_dims", "Did you mean 'generator_dim'"),
        ("verbose", "progress="),
        ("cuda", "device="),
    ],
)
def test_an_unknown_key_says_what_was_meant(
    backend: Backend, key: str, hint: str
) -> None:
    with pytest.raises(InvalidConfigError, match="Valid keys") as info:
        backend.ctgan({key: 10}, device="cpu")
    assert hint in str(info.value)


def test_one_layer_given_as_an_int_says_how_to_write_it(backend: Backend) -> None:
    with pytest.raises(InvalidConfigError, match=r"write \(256,\)"):
        backend.ctgan({"generator_dim": 256}, device="cpu")


# CTGAN issue 131: a second fit kept the first one's epoch count. A refit that
# fails must not keep the losses of the model it replaced.
@METHODS
def test_a_failed_refit_keeps_no_losses_of_the_earlier_fit(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(backend, method, prepared, epochs=2)
    assert len(generator.loss_history_) == 2
    _, constant = prepare(pd.DataFrame({"plan": ["basic"] * 30}), ["plan"])
    with pytest.raises(InvalidDataError):
        generator.fit(constant)
    assert generator.loss_history_ == []
    assert generator.interrupted_ is False


def _wide_table() -> tuple[EncodedTable, ConditionalSampler, list[tuple[int, int]]]:
    """A table with a discrete column of 200 encoded categories, and its sampler."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "code": [f"c{i}" for i in rng.integers(0, 200, 3_000)],
            "channel": rng.choice(["web", "store"], 3_000),
            "amount": rng.normal(size=3_000),
        }
    )
    _, prepared = prepare(frame, ["code", "channel"])
    encoded = TableTransformer().fit_transform(prepared, np.random.default_rng(0))
    sampler = ConditionalSampler(encoded)
    starts = {
        s.column: s.start for s in encoded.spans if s.kind == SpanKind.CATEGORY_ONE_HOT
    }
    return encoded, sampler, [(c.start, starts[c.column]) for c in sampler.cond_spans]


# SDV issue 315 and CTGAN issue 290: CTGAN ran out of memory on tables of
# modest size. The sampler returns an epoch's conditional vectors one-hot;
# 300,000 draws over 200 categories at once would take 780 MB.
def test_an_epoch_of_a_wide_table_is_drawn_in_bounded_memory() -> None:
    _, sampler, category_spans = _wide_table()
    tracemalloc.start()
    try:
        drawn = training.draw_epoch(
            sampler, category_spans, 300_000, np.random.default_rng(0)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(drawn.rows) == 300_000
    # The sampler holds at most 64 MB at once; the draws' integers take 10.
    assert peak < 90 * 2**20


def test_each_drawn_real_row_has_the_category_its_condition_picks() -> None:
    encoded, sampler, category_spans = _wide_table()
    drawn = training.draw_epoch(
        sampler, category_spans, 50_000, np.random.default_rng(0)
    )
    assert drawn.target is not None
    assert (encoded.matrix[drawn.rows, drawn.target] == 1.0).all()
