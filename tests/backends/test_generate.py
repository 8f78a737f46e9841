"""Generation on every backend: columns, conditions, saved state and errors."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

from genesis.data import SpanKind
from genesis.errors import (
    ConditionNotMetError,
    InvalidDataError,
    NotFittedError,
    TrainingDivergedError,
)
from genesis.table_model import GENERATE_BATCH
from tests.backends.conftest import Backend, fitted
from tests.tables import SMALL_CONFIG, Shop, prepare, shop_frame

METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])


@METHODS
def test_generate_before_fit_is_an_error(backend: Backend, method: str) -> None:
    generator = backend.implementation(method)(device="cpu")
    with pytest.raises(NotFittedError, match="call fit"):
        generator.generate(5, rng=np.random.default_rng(0))


@METHODS
def test_generate_returns_every_prepared_column_with_its_dtype(
    backend: Backend, method: str, shop: Shop
) -> None:
    preparer, prepared = shop
    generator = fitted(backend, method, prepared)
    rows = generator.generate(123, rng=np.random.default_rng(0))
    assert list(rows) == prepared.keys
    assert rows["channel"].dtype == np.int64
    assert rows["amount"].dtype == np.float64
    frame = preparer.inverse_transform(rows, 123, np.random.default_rng(1))
    assert len(frame) == 123
    assert set(frame["channel"]) <= {"web", "store", "phone"}
    assert frame["items"].dtype == np.int64
    assert frame["member"].dtype == bool


@METHODS
def test_zero_rows_is_an_empty_result(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    rows = fitted(backend, method, prepared).generate(0, rng=np.random.default_rng(0))
    assert all(len(values) == 0 for values in rows.values())


@METHODS
def test_condition_on_a_discrete_column_gives_only_that_value(
    backend: Backend, method: str, shop: Shop
) -> None:
    preparer, prepared = shop
    phone = preparer.plans[0].categories.index("phone")
    assert prepared["channel"].frequencies[phone] == pytest.approx(0.2, abs=0.05)
    generator = fitted(backend, method, prepared, epochs=5)
    rows = generator.generate(
        300, rng=np.random.default_rng(0), conditions={"channel": phone}
    )
    assert len(rows["channel"]) == 300
    assert set(rows["channel"].tolist()) == {phone}


@METHODS
def test_condition_on_a_range_keeps_rows_inside_it(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(backend, method, prepared, epochs=5)
    low, high = np.quantile(prepared["amount"].values, [0.2, 0.8])
    rows = generator.generate(
        200, rng=np.random.default_rng(0), conditions={"amount": (low, high)}
    )
    assert rows["amount"].min() >= low
    assert rows["amount"].max() <= high


def test_a_condition_the_model_cannot_meet_says_so(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(backend, "tvae", prepared, epochs=1)
    above = prepared["amount"].upper + 1.0
    with pytest.raises(ConditionNotMetError, match="too rare"):
        generator.generate(
            10, rng=np.random.default_rng(0), conditions={"amount": (above, above + 1)}
        )


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"colour": 1}, "not fitted on"),
        ({"channel": 7}, "codes 0 to 2"),
        ({"channel": "web"}, "integer code"),
        ({"amount": (5.0, 1.0)}, "low 5.0 above high 1.0"),
    ],
)
def test_bad_conditions_name_the_column(
    backend: Backend, shop: Shop, conditions: dict, message: str
) -> None:
    _, prepared = shop
    generator = fitted(backend, "ctgan", prepared, epochs=1)
    with pytest.raises(InvalidDataError, match=message):
        generator.generate(5, rng=np.random.default_rng(0), conditions=conditions)


def test_condition_on_a_pooled_rare_code_is_exact(backend: Backend) -> None:
    frame = shop_frame(600)
    frame["ticket"] = [f"t{i}" for i in range(len(frame))]
    _, prepared = prepare(frame, ["channel", "ticket"])
    with pytest.warns(UserWarning, match="'ticket' takes 200"):
        generator = fitted(backend, "ctgan", prepared, epochs=1)
    code = int(prepared["ticket"].values[-1])
    rows = generator.generate(
        20, rng=np.random.default_rng(0), conditions={"ticket": code}
    )
    assert set(rows["ticket"].tolist()) == {code}


@METHODS
def test_state_round_trip_generates_identically(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    original = fitted(backend, method, prepared)
    arrays, state = original.get_state()
    restored = backend.implementation(method).from_state(
        original.config, arrays, json.loads(json.dumps(state)), device="cpu"
    )
    for conditions in (None, {"channel": 1}):
        first = original.generate(
            300, rng=np.random.default_rng(9), conditions=conditions
        )
        second = restored.generate(
            300, rng=np.random.default_rng(9), conditions=conditions
        )
        for key in first:
            np.testing.assert_array_equal(first[key], second[key])
    assert restored.loss_history_ == original.loss_history_


@METHODS
def test_pickled_and_copied_generators_generate_the_same(
    backend: Backend, method: str, shop: Shop
) -> None:
    # joblib, multiprocessing and Dask pickle what they send; a JAX device
    # does not pickle, so a generator pickles through its saved state.
    _, prepared = shop
    unfitted = backend.implementation(method)(SMALL_CONFIG[method], seed=3)
    assert pickle.loads(pickle.dumps(unfitted)).seed == 3
    original = fitted(backend, method, prepared)
    for twin in (pickle.loads(pickle.dumps(original)), copy.deepcopy(original)):
        first = original.generate(300, rng=np.random.default_rng(9))
        second = twin.generate(300, rng=np.random.default_rng(9))
        for key in first:
            np.testing.assert_array_equal(first[key], second[key])
        assert twin.loss_history_ == original.loss_history_


OUTPUT_BIAS = {"ctgan": "generator.output.bias", "tvae": "decoder.output.bias"}


@METHODS
@pytest.mark.parametrize(
    ("column", "kind", "value"),
    [
        ("amount", SpanKind.CONTINUOUS_SCALAR, np.nan),
        ("channel", SpanKind.CATEGORY_ONE_HOT, np.inf),
        ("member", SpanKind.CATEGORY_ONE_HOT, np.nan),
    ],
)
def test_weights_that_are_not_finite_stop_generation_naming_the_column(
    backend: Backend,
    method: str,
    shop: Shop,
    column: str,
    kind: SpanKind,
    value: float,
) -> None:
    # A NaN scalar once reached pandas as "cannot convert NA to integer";
    # NaN or +inf logits drew slot 0 of their span without a word.
    _, prepared = shop
    original = fitted(backend, method, prepared)
    arrays, state = original.get_state()
    (span,) = [
        s for s in original.transformer_.spans if s.column == column and s.kind == kind
    ]
    bias = arrays[OUTPUT_BIAS[method]].copy()
    bias[span.start] = value
    restored = backend.implementation(method).from_state(
        original.config, {**arrays, OUTPUT_BIAS[method]: bias}, state, device="cpu"
    )
    with pytest.raises(TrainingDivergedError, match=rf"1 column\(s\) \('{column}'\)"):
        restored.generate(50, rng=np.random.default_rng(0))


@METHODS
def test_bfloat16_generation_gives_nearly_the_float32_rows(
    backend: Backend, method: str, shop: Shop
) -> None:
    # The same weights and noise, multiplied in float32 or in bfloat16
    # (sampling_precision): rounding may flip a near tie between categories
    # or shift a value a little, and nothing more.
    _, prepared = shop
    exact = fitted(backend, method, prepared, epochs=5, sampling_precision="float32")
    arrays, state = exact.get_state()
    rounded = backend.implementation(method).from_state(
        {**exact.config, "sampling_precision": "bfloat16"}, arrays, state, device="cpu"
    )
    first = exact.generate(2_000, rng=np.random.default_rng(4))
    second = rounded.generate(2_000, rng=np.random.default_rng(4))
    assert np.mean(first["channel"] == second["channel"]) > 0.95
    amount_first, amount_second = first["amount"], second["amount"]
    same_mode = np.isclose(amount_first, amount_second, rtol=0.05)
    assert same_mode.mean() > 0.9
    assert not np.array_equal(amount_first, amount_second)


def test_ctgan_state_uses_backend_neutral_names_and_layout(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    arrays, _ = fitted(backend, "ctgan", prepared).get_state()
    # (out, in), as torch's nn.Linear: 32 outputs; inputs are 16 noise values
    # then the conditional vector, channel (3 slots) and member (2 slots).
    assert arrays["generator.layers.0.linear.weight"].shape == (32, 16 + 3 + 2)
    assert arrays["discriminator.output.weight"].shape == (1, 32)
    assert {
        "generator.layers.0.norm.scale",
        "generator.layers.0.norm.mean",
        "generator.layers.0.norm.var",
        "generator.output.bias",
        "discriminator.layers.1.weight",
        "conditions.shares",
    } <= set(arrays)
    assert any(name.startswith("transformer.") for name in arrays)
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())


def test_ctgan_batch_norm_statistics_move_during_training(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    arrays, _ = fitted(backend, "ctgan", prepared).get_state()
    # Running statistics start at mean 0 and variance 1; training moves them.
    assert np.abs(arrays["generator.layers.0.norm.mean"]).max() > 1e-3
    assert np.abs(arrays["generator.layers.0.norm.var"] - 1.0).max() > 1e-3


def test_tvae_state_keeps_one_output_scale_per_continuous_column(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    arrays, _ = fitted(backend, "tvae", prepared).get_state()
    assert arrays["decoder.sigma"].shape == (2,)  # amount and items
    # Scales start at 0.1 and stay inside [0.01, 1].
    assert 0.01 <= arrays["decoder.sigma"].min() <= arrays["decoder.sigma"].max() <= 1
    assert {
        "encoder.mean.weight",
        "encoder.logvar.bias",
        "decoder.output.weight",
    } <= set(arrays)


def test_ctgan_decode_noise_is_deterministic_and_shaped(
    backend: Backend, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(backend, "ctgan", prepared)
    noise = np.random.default_rng(0).normal(size=(7, 16)).astype(np.float32)
    slots = np.arange(7) % 5
    first = generator.decode_noise(noise, slots)
    assert first.shape == (7, generator.transformer_.output_width)
    np.testing.assert_array_equal(first, generator.decode_noise(noise, slots))


@METHODS
def test_rows_of_a_batch_do_not_depend_on_the_other_batches(
    backend: Backend, method: str, shop: Shop
) -> None:
    # Batches are made side by side on a CPU, each from its own seed: the
    # first batch of a two-batch call is the whole of a one-batch call.
    _, prepared = shop
    generator = fitted(backend, method, prepared)
    one = generator.generate(GENERATE_BATCH, rng=np.random.default_rng(4))
    two = generator.generate(2 * GENERATE_BATCH, rng=np.random.default_rng(4))
    for key in one:
        assert len(two[key]) == 2 * GENERATE_BATCH
        np.testing.assert_array_equal(two[key][:GENERATE_BATCH], one[key])
        assert not np.array_equal(two[key][GENERATE_BATCH:], one[key])
