"""Related tables: how many children each generated parent gets.

The parent's model decides which rows have children and which have more;
the counts themselves follow the real ones (genesis.multitable._cardinality),
whatever method or marginal family the parent table is modelled with.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from genesis.multitable import MultiTableGenerator, RelationalSchema
from genesis.multitable._cardinality import CountShape, calibrate_counts
from genesis.multitable._planning import TablePlan

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("genesis_torch") is None
    or importlib.util.find_spec("torch") is None,
    reason="genesis-synth-torch is not installed",
)
# The parent's counts come from a normal marginal: a smooth family that
# cannot hold a long tail, as a neural method cannot either.
SMOOTH = {"default_distribution": "norm"}


def shop_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
    )


def shop(orders_per_customer: np.ndarray, income: np.ndarray) -> dict:
    rng = np.random.default_rng(1)
    n = orders_per_customer.size
    customers = pd.DataFrame({"customer_id": np.arange(n), "income": income})
    total = int(orders_per_customer.sum())
    orders = pd.DataFrame(
        {
            "order_id": np.arange(total),
            "customer_id": np.repeat(np.arange(n), orders_per_customer),
            "amount": rng.gamma(2.0, 20.0, total).round(2),
        }
    )
    return {"customers": customers, "orders": orders}


def heavy_tailed_shop(n: int = 300) -> dict:
    """Most customers order 0 to 5 times; a few order hundreds of times."""
    rng = np.random.default_rng(0)
    counts = np.minimum(rng.zipf(1.8, n), 400) - (rng.random(n) < 0.3)
    return shop(counts, rng.normal(50.0, 10.0, n).round(2))


def orders_per_customer(tables: dict) -> np.ndarray:
    named = tables["orders"]["customer_id"].value_counts()
    return named.reindex(tables["customers"]["customer_id"], fill_value=0).to_numpy()


def test_a_smooth_count_model_keeps_the_tail_and_the_zeros() -> None:
    real = heavy_tailed_shop()

    generator = MultiTableGenerator(shop_schema(), config=SMOOTH, seed=0)
    synthetic = generator.fit(real).generate()

    want, got = orders_per_customer(real), orders_per_customer(synthetic)
    # A normal marginal alone tops out at about a quarter of the real largest.
    assert got.max() == want.max()
    assert (got == 0).mean() == pytest.approx((want == 0).mean(), abs=0.02)
    assert stats.ks_2samp(want, got).statistic < 0.05
    assert len(synthetic["orders"]) == len(real["orders"])
    assert (
        synthetic["orders"]["customer_id"]
        .isin(synthetic["customers"]["customer_id"])
        .all()
    )


def test_twice_the_customers_get_each_real_count_twice() -> None:
    real = heavy_tailed_shop()
    generator = MultiTableGenerator(shop_schema(), config=SMOOTH, seed=0).fit(real)

    synthetic = generator.generate(scale=2.0)

    want, got = orders_per_customer(real), orders_per_customer(synthetic)
    # The row counts are the ones asked for...
    assert len(synthetic["customers"]) == 2 * len(real["customers"])
    assert len(synthetic["orders"]) == 2 * len(real["orders"])
    # ...and the largest customers come back twice, not cut to the model's tail.
    largest = np.sort(want)[-3:]
    assert np.sort(got)[-6:].tolist() == np.repeat(largest, 2).tolist()


def test_the_count_still_follows_the_parent_column() -> None:
    rng = np.random.default_rng(2)
    income = rng.lognormal(10.0, 0.5, 400)
    counts = rng.poisson(2.0 * np.exp(2.0 * (np.log(income) - 10.0)))
    real = shop(counts, income.round(2))

    generator = MultiTableGenerator(shop_schema(), config=SMOOTH, seed=0)
    synthetic = generator.fit(real).generate()

    want = stats.spearmanr(real["customers"]["income"], counts)[0]
    got = stats.spearmanr(
        synthetic["customers"]["income"], orders_per_customer(synthetic)
    )[0]
    # Real: about 0.75. Counts handed out in random order would give about 0.
    assert got == pytest.approx(want, abs=0.12)


@needs_torch
def test_a_neural_parent_model_keeps_one_customer_with_300_orders() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 4, 200)
    counts[17] = 300
    real = shop(counts, rng.normal(50.0, 10.0, 200).round(2))

    generator = MultiTableGenerator(
        shop_schema(), method="tvae", config={"epochs": 1}, seed=0
    )
    synthetic = generator.fit(real).generate()

    got = orders_per_customer(synthetic)
    # TVAE alone gave its largest customer 7 to 18 orders.
    assert got.max() == 300
    assert np.sort(got)[:-1].max() <= 3


def test_calibration_gives_the_real_counts_in_the_models_order() -> None:
    shape = CountShape.learn(np.array([0, 0, 1, 1, 2, 9, 300]))
    generated = np.array([0.0, 4.2, np.nan, 1.0, 7.5, 3.0, 2.0, -1.0, 0.0])
    rng = np.random.default_rng(0)

    counts = calibrate_counts(generated, shape, rng)

    having = generated > 0
    assert (counts[~having] == 0).all()
    # Five rows have children, as five real parents do: the real counts, the
    # largest on the row the model gave the most.
    assert sorted(counts[having].tolist()) == [1, 1, 2, 9, 300]
    assert counts[np.nanargmax(generated)] == 300
    ranked = np.argsort(generated[having])
    assert (np.diff(counts[having][ranked]) >= 0).all()


def test_calibration_of_fewer_parents_is_unbiased() -> None:
    shape = CountShape.learn(np.array([1] * 90 + [50] * 10))
    rng = np.random.default_rng(0)

    draws = [calibrate_counts(np.ones(5), shape, rng) for _ in range(1500)]

    # One in ten parents has 50 children: half a parent among five.
    assert np.mean([(d == 50).sum() for d in draws]) == pytest.approx(0.5, abs=0.05)


def test_a_loaded_generator_keeps_the_count_shapes(tmp_path: Path) -> None:
    real = heavy_tailed_shop(150)
    generator = MultiTableGenerator(shop_schema(), config=SMOOTH, seed=0).fit(real)
    path = tmp_path / "shop.genesis"
    generator.save(path)

    loaded = MultiTableGenerator.load(path)

    before = orders_per_customer(generator.generate(seed=5))
    after = orders_per_customer(loaded.generate(seed=5))
    assert after.tolist() == before.tolist()
    assert after.max() == orders_per_customer(real).max()


def test_a_plan_saved_without_count_shapes_still_loads() -> None:
    real = heavy_tailed_shop(60)
    generator = MultiTableGenerator(shop_schema(), seed=0).fit(real)
    plan = generator._plans["customers"]
    written = plan.to_json(generator.schema_)
    del written["count_shapes"]

    back = TablePlan.from_json(written, generator.schema_, plan.generator)

    assert back.count_shapes == {}
    assert plan.count_shapes


# SDV issue 1673: one parent with four children tables, most parents with no
# child in each; HMA gave every parent a child, so the child tables came out
# two to twenty times too long, and grew with the scale.
def test_sparse_children_tables_keep_their_row_counts() -> None:
    rng = np.random.default_rng(4)
    parents = pd.DataFrame({"id": np.arange(228), "size": rng.integers(1, 9, 228)})
    schema = RelationalSchema().add_table("parent", primary_key="id")
    tables = {"parent": parents}
    for name, rows in {"b": 88, "c": 188, "d": 14, "e": 8}.items():
        tables[name] = pd.DataFrame(
            {
                f"{name}_id": np.arange(rows),
                "parent_id": rng.choice(228, rows),
                "value": rng.normal(0.0, 1.0, rows),
            }
        )
        schema.add_table(name, primary_key=f"{name}_id")
        schema.add_relationship(name, "parent_id", "parent", "id")
    generator = MultiTableGenerator(schema, seed=0).fit(tables)

    for scale in (1.0, 2.0, 3.0):
        synthetic = generator.generate(scale=scale)
        for name in "bcde":
            assert len(synthetic[name]) == round(len(tables[name]) * scale)
    unscaled = generator.generate()
    for name in "bcde":
        real_share = tables[name]["parent_id"].nunique() / 228
        named = unscaled[name]["parent_id"].nunique() / len(unscaled["parent"])
        assert named == pytest.approx(real_share, abs=0.03)
        assert len(unscaled[name]) == len(tables[name])


def test_a_far_off_share_of_keys_without_parent_is_brought_back() -> None:
    from genesis.multitable._generator import _plausible_share

    rng = np.random.default_rng(0)
    # 1,000 orders of which 99% have a customer: an undertrained model said
    # 60% (the bound two deviations out is 983).
    flags = rng.random(1_000) < 0.6
    fixed = _plausible_share(flags, 0.99, rng)
    assert fixed.sum() == 983
    assert fixed[flags].all()  # only rows that said "no parent" turned
    # Within the spread a model's own draw is kept as it is.
    near = rng.random(1_000) < 0.985
    assert (_plausible_share(near, 0.99, rng) == near).all()
    # And the other way round.
    assert _plausible_share(np.ones(1_000, dtype=bool), 0.5, rng).sum() == 532


@needs_torch
def test_an_undertrained_child_model_still_gives_its_rows_parents() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 4, 300)
    counts[17] = 300
    real = shop(counts, rng.normal(50.0, 10.0, 300).round(2))
    real["orders"].loc[:4, "customer_id"] = None  # 5 real orders have none

    generator = MultiTableGenerator(
        shop_schema(),
        method={"customers": "gaussian_copula", "orders": "ctgan"},
        config={"orders": {"epochs": 1}},
        seed=0,
    )
    synthetic = generator.fit(real).generate()

    # CTGAN at 1 epoch left about a third of the orders without a customer.
    missing = synthetic["orders"]["customer_id"].isna().mean()
    assert missing < 0.02
    assert orders_per_customer(synthetic).max() >= 290
