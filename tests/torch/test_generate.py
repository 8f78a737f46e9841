"""Generation: conditions, saved state and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genesis.data import PreparedTable, TablePreparer
from genesis.errors import ConditionNotMetError, InvalidDataError, NotFittedError
from genesis_torch import CTGANGenerator, TVAEGenerator
from tests.torch.conftest import prepare, shop_frame
from tests.torch.test_training import BOTH, fitted

Shop = tuple[TablePreparer, PreparedTable]


@BOTH
def test_generate_before_fit_is_an_error(implementation: type) -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        implementation(device="cpu").generate(5, rng=np.random.default_rng(0))


@BOTH
def test_generate_returns_every_prepared_column(
    implementation: type, shop: Shop
) -> None:
    preparer, prepared = shop
    rows = fitted(implementation, prepared).generate(123, rng=np.random.default_rng(0))
    assert list(rows) == prepared.keys
    frame = preparer.inverse_transform(rows, 123, np.random.default_rng(1))
    assert set(frame["channel"]) <= {"web", "store", "phone"}
    assert frame["items"].dtype == np.int64


@BOTH
def test_zero_rows_is_an_empty_result(implementation: type, shop: Shop) -> None:
    _, prepared = shop
    rows = fitted(implementation, prepared).generate(0, rng=np.random.default_rng(0))
    assert all(len(values) == 0 for values in rows.values())


@BOTH
def test_condition_on_a_discrete_column_gives_only_that_value(
    implementation: type, shop: Shop
) -> None:
    preparer, prepared = shop
    phone = preparer.plans[0].categories.index("phone")
    assert prepared["channel"].frequencies[phone] == pytest.approx(0.2, abs=0.05)
    generator = fitted(implementation, prepared, epochs=5)
    rows = generator.generate(
        300, rng=np.random.default_rng(0), conditions={"channel": phone}
    )
    assert len(rows["channel"]) == 300
    assert set(rows["channel"].tolist()) == {phone}


@BOTH
def test_condition_on_a_range_keeps_rows_inside_it(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(implementation, prepared, epochs=5)
    low, high = np.quantile(prepared["amount"].values, [0.2, 0.8])
    rows = generator.generate(
        200, rng=np.random.default_rng(0), conditions={"amount": (low, high)}
    )
    assert rows["amount"].min() >= low
    assert rows["amount"].max() <= high


def test_a_condition_the_model_cannot_meet_says_so(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(TVAEGenerator, prepared, epochs=1)
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
    shop: Shop, conditions: dict, message: str
) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared, epochs=1)
    with pytest.raises(InvalidDataError, match=message):
        generator.generate(5, rng=np.random.default_rng(0), conditions=conditions)


def test_condition_on_a_pooled_rare_code_is_exact() -> None:
    frame = shop_frame(600)
    frame["ticket"] = [f"t{i}" for i in range(len(frame))]
    _, prepared = prepare(frame, ["channel", "ticket"])
    with pytest.warns(UserWarning, match="'ticket' takes 200"):
        generator = fitted(CTGANGenerator, prepared, epochs=1)
    code = int(prepared["ticket"].values[-1])
    rows = generator.generate(
        20, rng=np.random.default_rng(0), conditions={"ticket": code}
    )
    assert set(rows["ticket"].tolist()) == {code}


@BOTH
def test_state_round_trip_generates_identically(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    original = fitted(implementation, prepared)
    arrays, state = original.get_state()
    restored = implementation.from_state(
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


def test_ctgan_state_uses_backend_neutral_names(shop: Shop) -> None:
    _, prepared = shop
    arrays, _ = fitted(CTGANGenerator, prepared).get_state()
    # Input: 16 noise values, then the conditional vector: channel (3 slots)
    # and member (2 slots).
    assert arrays["generator.layers.0.linear.weight"].shape == (32, 16 + 3 + 2)
    assert {
        "generator.layers.0.norm.scale",
        "generator.layers.0.norm.mean",
        "generator.output.bias",
        "discriminator.layers.1.weight",
        "discriminator.output.weight",
        "conditions.shares",
    } <= set(arrays)
    assert any(name.startswith("transformer.") for name in arrays)
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())


def test_tvae_state_keeps_one_output_scale_per_continuous_column(shop: Shop) -> None:
    _, prepared = shop
    arrays, _ = fitted(TVAEGenerator, prepared).get_state()
    assert arrays["decoder.sigma"].shape == (2,)  # amount and items
    assert {
        "encoder.mean.weight",
        "encoder.logvar.bias",
        "decoder.output.weight",
    } <= set(arrays)
