"""Related tables: schema checks, intact keys, cardinality and trends across tables."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidConfigError, InvalidDataError, NotFittedError
from genesis.evaluation import evaluate_multitable
from genesis.metadata import ColumnType
from genesis.multitable import (
    MultiTableGenerator,
    RelationalSchema,
    detect_schema,
    find_orphans,
)

NYCFLIGHTS = (
    Path(
        os.environ.get(
            "GENESIS_SHARED_DATA", Path(__file__).parents[2].parent / "shared" / "data"
        )
    )
    / "nycflights13"
)

# Orders per customer: "pro" customers order four times as often as "basic"
# ones, so the count depends on a parent column.
ORDER_RATES = {"basic": 0.6, "plus": 1.5, "pro": 4.0}


def shop_tables(n_customers: int = 300, seed: int = 0) -> dict[str, pd.DataFrame]:
    """customers -> orders -> items with a known cardinality at each level."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(list(ORDER_RATES), n_customers, p=[0.5, 0.3, 0.2])
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(1, n_customers + 1),
            "segment": segment,
            "age": rng.integers(18, 80, n_customers),
        }
    )
    n_orders = rng.poisson([ORDER_RATES[s] for s in segment])
    owner = np.repeat(customers["customer_id"].to_numpy(), n_orders)
    owner_segment = np.repeat(segment, n_orders)
    # Pro customers spend more per order: a trend across the two tables.
    base = np.where(owner_segment == "pro", 120.0, 40.0)
    orders = pd.DataFrame(
        {
            "order_id": [f"O-{i:05d}" for i in range(len(owner))],
            "customer_id": owner,
            "amount": (base * rng.lognormal(0.0, 0.3, len(owner))).round(2),
            "express": rng.random(len(owner)) < 0.3,
        }
    )
    n_items = rng.integers(1, 6, len(orders))
    items = pd.DataFrame(
        {
            "item_id": np.arange(n_items.sum()),
            "order_id": np.repeat(orders["order_id"].to_numpy(), n_items),
            "quantity": rng.integers(1, 4, n_items.sum()),
        }
    )
    return {"customers": customers, "orders": orders, "items": items}


def shop_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_table("items", primary_key="item_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
        .add_relationship("items", "order_id", "orders", "order_id")
    )


@pytest.fixture(scope="module")
def shop() -> dict[str, pd.DataFrame]:
    return shop_tables()


@pytest.fixture(scope="module")
def shop_generator(shop: dict[str, pd.DataFrame]) -> MultiTableGenerator:
    return MultiTableGenerator(shop_schema(), seed=3).fit(shop)


@pytest.fixture(scope="module")
def shop_synthetic(shop_generator: MultiTableGenerator) -> dict[str, pd.DataFrame]:
    return shop_generator.generate()


def children_per_parent(
    parent: pd.DataFrame, child: pd.DataFrame, key: str
) -> pd.Series:
    counts = child[key].value_counts()
    return counts.reindex(parent[key], fill_value=0)


# -- generation ------------------------------------------------------------------------


def test_every_foreign_key_names_a_generated_parent(
    shop_synthetic: dict[str, pd.DataFrame],
) -> None:
    customers, orders, items = (
        shop_synthetic[name] for name in ("customers", "orders", "items")
    )
    assert orders["customer_id"].isin(customers["customer_id"]).all()
    assert items["order_id"].isin(orders["order_id"]).all()


def test_primary_keys_are_unique_and_keep_their_format(
    shop: dict[str, pd.DataFrame], shop_synthetic: dict[str, pd.DataFrame]
) -> None:
    for name, key in (("customers", "customer_id"), ("orders", "order_id")):
        assert shop_synthetic[name][key].is_unique
    assert shop_synthetic["orders"]["order_id"].str.fullmatch(r"O-\d{5}").all()
    for name, frame in shop.items():
        assert list(shop_synthetic[name].columns) == list(frame.columns)
        assert (shop_synthetic[name].dtypes == frame.dtypes).all()


def test_generate_gives_the_real_row_counts_by_default(
    shop: dict[str, pd.DataFrame], shop_synthetic: dict[str, pd.DataFrame]
) -> None:
    assert {n: len(f) for n, f in shop_synthetic.items()} == {
        n: len(f) for n, f in shop.items()
    }


def test_orders_per_customer_follow_the_real_distribution(
    shop: dict[str, pd.DataFrame], shop_synthetic: dict[str, pd.DataFrame]
) -> None:
    real = children_per_parent(shop["customers"], shop["orders"], "customer_id")
    synthetic = children_per_parent(
        shop_synthetic["customers"], shop_synthetic["orders"], "customer_id"
    )
    real_shares = real.clip(upper=6).value_counts(normalize=True)
    synthetic_shares = synthetic.clip(upper=6).value_counts(normalize=True)
    gap = real_shares.subtract(synthetic_shares, fill_value=0).abs().sum() / 2
    # 300 customers: sampling alone moves the shares by a few points; a
    # uniform spread of orders over customers is 0.3 away.
    assert gap < 0.12


def test_pro_customers_keep_ordering_more_and_spending_more(
    shop_synthetic: dict[str, pd.DataFrame],
) -> None:
    customers, orders = shop_synthetic["customers"], shop_synthetic["orders"]
    counts = children_per_parent(customers, orders, "customer_id")
    per_segment = counts.groupby(customers["segment"].to_numpy()).mean()
    # Real rates are 0.6 and 4.0 orders per customer; a model that ignores
    # the segment gives both the overall mean, about 1.6.
    assert per_segment["pro"] > 2.5 * per_segment["basic"]
    joined = orders.merge(customers, on="customer_id")
    spend = joined.groupby("segment")["amount"].median()
    # Real medians are about 120 and 40.
    assert spend["pro"] > 2.0 * spend["basic"]


def test_items_per_order_stay_between_one_and_five(
    shop_synthetic: dict[str, pd.DataFrame],
) -> None:
    counts = children_per_parent(
        shop_synthetic["orders"], shop_synthetic["items"], "order_id"
    )
    # Every real order has 1 to 5 items; a few orders may end with one more
    # or one fewer when counts are scaled to the items asked for.
    assert counts.between(1, 5).mean() > 0.95


def test_only_root_counts_let_children_follow_the_learned_cardinality(
    shop: dict[str, pd.DataFrame], shop_generator: MultiTableGenerator
) -> None:
    synthetic = shop_generator.generate({"customers": 600}, seed=1)
    assert len(synthetic["customers"]) == 600
    real_ratio = len(shop["orders"]) / len(shop["customers"])
    ratio = len(synthetic["orders"]) / 600
    # Twice the customers: orders follow their generated counts, which
    # average the real ratio up to sampling noise.
    assert abs(ratio - real_ratio) / real_ratio < 0.15


def test_requested_counts_are_honoured_exactly(
    shop_generator: MultiTableGenerator,
) -> None:
    counts = {"customers": 50, "orders": 400, "items": 30}
    synthetic = shop_generator.generate(counts, seed=2)
    assert {name: len(frame) for name, frame in synthetic.items()} == counts
    assert synthetic["items"]["order_id"].isin(synthetic["orders"]["order_id"]).all()


def test_scale_multiplies_every_table(
    shop: dict[str, pd.DataFrame], shop_generator: MultiTableGenerator
) -> None:
    synthetic = shop_generator.generate(scale=2.0, seed=4)
    assert {n: len(f) for n, f in synthetic.items()} == {
        n: 2 * len(f) for n, f in shop.items()
    }


def test_a_seed_makes_the_whole_database_identical(
    shop: dict[str, pd.DataFrame],
) -> None:
    first = MultiTableGenerator(shop_schema(), seed=11).fit(shop).generate()
    second = MultiTableGenerator(shop_schema(), seed=11).fit(shop).generate()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_generate_before_fit_is_refused() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        MultiTableGenerator(shop_schema()).generate()


def test_most_parents_without_children_keep_that_share() -> None:
    # Case 14's shape: 200 parents, 10% with 1 to 3 children.
    rng = np.random.default_rng(1414)
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(1, 201),
            "segment": rng.choice(["basic", "plus", "pro"], 200),
            "age": rng.integers(18, 75, 200),
        }
    )
    with_children = rng.choice(customers["customer_id"], 20, replace=False)
    owners = np.repeat(with_children, rng.integers(1, 4, 20))
    responses = pd.DataFrame(
        {
            "response_id": np.arange(1, len(owners) + 1),
            "customer_id": owners,
            "score": rng.integers(1, 11, len(owners)),
        }
    )
    schema = (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("responses", primary_key="response_id")
        .add_relationship("responses", "customer_id", "customers")
    )
    tables = {"customers": customers, "responses": responses}
    synthetic = MultiTableGenerator(schema, seed=0).fit(tables).generate()
    share = (
        synthetic["customers"]["customer_id"]
        .isin(synthetic["responses"]["customer_id"])
        .mean()
    )
    # Training share 0.10; the case accepts 0.02 to 0.30.
    assert 0.02 <= share <= 0.30


# -- composite keys and two keys to one parent ---------------------------------------


def store_tables(
    seed: int, n_days: int, n_receipts: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stores; one row per store and day; receipts keyed by (store, day)."""
    rng = np.random.default_rng(seed)
    stores = pd.DataFrame({"store": ["north", "south", "east"], "size": [3, 1, 2]})
    days = pd.date_range("2024-01-01", periods=n_days, freq="D")
    sales_days = pd.DataFrame(
        {
            "store": np.repeat(stores["store"], len(days)),
            "day": np.tile(days, len(stores)),
            "visitors": rng.poisson(200, len(days) * len(stores)),
        }
    ).reset_index(drop=True)
    picks = rng.integers(0, len(sales_days), n_receipts)
    receipts = pd.DataFrame(
        {
            "receipt": np.arange(n_receipts),
            "store": sales_days["store"].to_numpy()[picks],
            "day": sales_days["day"].to_numpy()[picks],
            "total": rng.gamma(2.0, 20.0, n_receipts).round(2),
        }
    )
    return stores, sales_days, receipts


def test_composite_keys_stay_unique_and_resolve() -> None:
    stores, sales_days, receipts = store_tables(seed=5, n_days=60, n_receipts=900)
    schema = (
        RelationalSchema()
        .add_table("stores", primary_key="store")
        .add_table("sales_days", primary_key=["store", "day"])
        .add_table("receipts", primary_key="receipt")
        .add_relationship("sales_days", "store", "stores")
        .add_relationship("receipts", ["store", "day"], "sales_days")
        .add_relationship("receipts", "store", "stores")
    )
    tables = {"stores": stores, "sales_days": sales_days, "receipts": receipts}
    synthetic = MultiTableGenerator(schema, seed=1).fit(tables).generate()

    days_out, receipts_out = synthetic["sales_days"], synthetic["receipts"]
    assert not days_out.duplicated(["store", "day"]).any()
    keys = set(days_out[["store", "day"]].itertuples(index=False, name=None))
    pairs = receipts_out[["store", "day"]].itertuples(index=False, name=None)
    assert all(pair in keys for pair in pairs)
    assert receipts_out["store"].isin(synthetic["stores"]["store"]).all()
    assert receipts_out["day"].dtype == receipts["day"].dtype


def test_two_foreign_keys_to_one_parent_keep_their_own_cardinality() -> None:
    rng = np.random.default_rng(8)
    n_airports = 120
    airports = pd.DataFrame(
        {
            "code": [f"A{i:03d}" for i in range(n_airports)],
            "hub": np.arange(n_airports) < 4,
            "lat": rng.uniform(25, 49, n_airports).round(3),
        }
    )
    # Flights leave from the 4 hubs only and land anywhere but a hub.
    n_flights = 2_000
    flights = pd.DataFrame(
        {
            "origin": airports["code"].to_numpy()[rng.integers(0, 4, n_flights)],
            "dest": airports["code"].to_numpy()[rng.integers(4, 60, n_flights)],
            "delay": rng.exponential(15, n_flights).round(),
        }
    )
    schema = (
        RelationalSchema()
        .add_table("airports", primary_key="code")
        .add_table("flights")
        .add_relationship("flights", "origin", "airports")
        .add_relationship("flights", "dest", "airports")
    )
    tables = {"airports": airports, "flights": flights}
    synthetic = MultiTableGenerator(schema, seed=2).fit(tables).generate()

    out = synthetic["flights"]
    codes = synthetic["airports"]["code"]
    assert out["origin"].isin(codes).all() and out["dest"].isin(codes).all()
    # 4 real origins and 56 real destinations out of 120 airports.
    assert 3 <= out["origin"].nunique() <= 6
    assert 45 <= out["dest"].nunique() <= 67
    hubs = synthetic["airports"].set_index("code")["hub"]
    assert hubs[out["origin"]].mean() > 0.9


# -- orphans ---------------------------------------------------------------------------


def orphan_tables() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(9)
    users = pd.DataFrame(
        {"user_id": np.arange(100), "plan": rng.choice(["a", "b"], 100)}
    )
    owner = rng.integers(0, 100, 1_000)
    # 150 sessions name user ids 900..902, which do not exist.
    owner[:150] = rng.integers(900, 903, 150)
    sessions = pd.DataFrame(
        {"user_id": owner, "minutes": rng.gamma(2.0, 10.0, 1_000).round(1)}
    )
    return {"users": users, "sessions": sessions}


def orphan_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("users", primary_key="user_id")
        .add_table("sessions")
        .add_relationship("sessions", "user_id", "users")
    )


def test_orphans_are_counted_per_table_and_column() -> None:
    records = find_orphans(orphan_schema(), orphan_tables())
    assert len(records) == 1
    assert records[0].relationship.child == "sessions"
    assert records[0].relationship.child_columns == ("user_id",)
    assert (records[0].orphan_rows, records[0].orphan_values) == (150, 3)


def test_orphans_kept_as_missing_come_back_missing_at_their_rate() -> None:
    generator = MultiTableGenerator(orphan_schema(), seed=0).fit(orphan_tables())
    record = generator.orphans_.iloc[0]
    assert (record["orphan_rows"], record["action"]) == (150, "set missing")

    sessions = generator.generate()["sessions"]
    assert len(sessions) == 1_000
    # 15% of the real keys dangle; the copula keeps a binary column's share
    # within a few points.
    assert abs(sessions["user_id"].isna().mean() - 0.15) < 0.04
    assert str(sessions["user_id"].dtype) == "Int64"


def test_orphans_dropped_leave_only_valid_keys() -> None:
    generator = MultiTableGenerator(orphan_schema(), seed=0, orphans="drop")
    generator.fit(orphan_tables())
    assert generator.orphans_.iloc[0]["action"] == "rows dropped"

    synthetic = generator.generate({"users": 100, "sessions": 850})
    sessions = synthetic["sessions"]
    assert sessions["user_id"].notna().all()
    assert sessions["user_id"].isin(synthetic["users"]["user_id"]).all()
    assert sessions["user_id"].dtype == np.int64


# -- keys in narrow dtypes and partly missing composite keys --------------------------


def narrow_key_tables(
    key: pd.Series, n_children: int = 200
) -> tuple[RelationalSchema, dict[str, pd.DataFrame]]:
    """A parent keyed by ``key`` (its dtype as given) and children naming it."""
    rng = np.random.default_rng(2)
    parent = pd.DataFrame({"pid": key, "v": rng.normal(size=len(key))})
    child = pd.DataFrame(
        {
            "cid": np.arange(n_children, dtype=np.int16),
            "pid": key.to_numpy()[rng.integers(0, len(key), n_children)],
            "w": rng.normal(size=n_children),
        }
    )
    schema = (
        RelationalSchema()
        .add_table("p", primary_key="pid")
        .add_table("c", primary_key="cid")
        .add_relationship("c", "pid", "p", "pid")
    )
    return schema, {"p": parent, "c": child}


NARROW_KEYS = {
    "int8": pd.Series(np.arange(100, dtype=np.int8)),
    "uint64 past 2**63": pd.Series(np.arange(10, dtype=np.uint64) + np.uint64(2**63)),
    "nullable Int8": pd.Series(np.arange(100), dtype="Int8"),
}


@pytest.mark.parametrize("case", list(NARROW_KEYS))
def test_keys_of_a_narrow_dtype_stay_distinct_in_that_dtype(case: str) -> None:
    schema, tables = narrow_key_tables(NARROW_KEYS[case])
    synthetic = MultiTableGenerator(schema, seed=0).fit(tables).generate(scale=2.5)

    parents, children = synthetic["p"], synthetic["c"]
    assert len(parents) == round(len(tables["p"]) * 2.5)
    assert parents["pid"].is_unique
    assert parents["pid"].dtype == tables["p"]["pid"].dtype
    assert children["pid"].dtype == tables["c"]["pid"].dtype
    assert children["pid"].isin(parents["pid"]).all()
    assert children["cid"].is_unique and children["cid"].dtype == np.int16


def test_more_keys_than_their_dtype_holds_are_refused() -> None:
    schema, tables = narrow_key_tables(NARROW_KEYS["int8"])
    generator = MultiTableGenerator(schema, seed=0).fit(tables)
    message = (
        "Column 'pid' of table 'p' has dtype int8, which holds 256 distinct "
        "values; 300 new keys were asked."
    )
    with pytest.raises(InvalidDataError, match=re.escape(message)):
        generator.generate(scale=3)


def partial_key_tables() -> tuple[RelationalSchema, dict[str, pd.DataFrame]]:
    """Children whose composite key (a, b) lacks b in every sixth row."""
    rng = np.random.default_rng(1)
    parent = pd.DataFrame(
        {
            "a": np.repeat(["x", "y", "z"], 5),
            "b": np.tile(np.arange(5), 3),
            "v": rng.normal(size=15),
        }
    )
    picks = rng.integers(0, len(parent), 600)
    child = pd.DataFrame(
        {
            "id": np.arange(600),
            "a": parent["a"].to_numpy()[picks],
            "b": parent["b"].to_numpy()[picks].astype(np.float64),
            "w": rng.normal(size=600),
        }
    )
    child.loc[::6, "b"] = np.nan
    schema = (
        RelationalSchema()
        .add_table("p", primary_key=["a", "b"])
        .add_table("c", primary_key="id")
        .add_relationship("c", ["a", "b"], "p", ["a", "b"])
    )
    return schema, {"p": parent, "c": child}


def test_a_partly_missing_composite_key_keeps_each_columns_missing_rate(
    tmp_path: Path,
) -> None:
    schema, tables = partial_key_tables()
    generator = MultiTableGenerator(schema, seed=0).fit(tables)
    synthetic = generator.generate(scale=2)

    children, parents = synthetic["c"], synthetic["p"]
    assert children["a"].isna().mean() == 0.0
    assert abs(children["b"].isna().mean() - 1 / 6) < 0.04
    assert children.dtypes.to_dict() == tables["c"].dtypes.to_dict()
    complete = children.dropna(subset=["a", "b"])
    keys = set(parents[["a", "b"]].itertuples(index=False, name=None))
    assert all(
        k in keys for k in complete[["a", "b"]].itertuples(index=False, name=None)
    )
    assert children["a"].isin(parents["a"]).all()

    generator.save(tmp_path / "partial.genesis")
    again = MultiTableGenerator.load(tmp_path / "partial.genesis")
    pd.testing.assert_frame_equal(
        again.generate(seed=4)["c"], generator.generate(seed=4)["c"]
    )


def test_a_key_inside_a_partly_missing_one_keeps_its_own_values() -> None:
    stores, sales_days, receipts = store_tables(seed=3, n_days=20, n_receipts=600)
    receipts.loc[::5, "day"] = pd.NaT
    schema = (
        RelationalSchema()
        .add_table("stores", primary_key="store")
        .add_table("sales_days", primary_key=["store", "day"])
        .add_table("receipts", primary_key="receipt")
        .add_relationship("sales_days", "store", "stores")
        .add_relationship("receipts", ["store", "day"], "sales_days")
        .add_relationship("receipts", "store", "stores")
    )
    tables = {"stores": stores, "sales_days": sales_days, "receipts": receipts}
    synthetic = MultiTableGenerator(schema, seed=1).fit(tables).generate()

    out = synthetic["receipts"]
    assert out["store"].notna().all()
    assert out["store"].isin(synthetic["stores"]["store"]).all()
    assert abs(out["day"].isna().mean() - 0.2) < 0.05
    assert out["day"].dtype == receipts["day"].dtype


# -- refusals --------------------------------------------------------------------------


def test_a_column_of_lists_is_refused_naming_its_table(
    shop: dict[str, pd.DataFrame],
) -> None:
    tables = dict(shop)
    tables["orders"] = shop["orders"].assign(
        tags=[["gift"] if i % 2 else {"a": 1} for i in range(len(shop["orders"]))]
    )
    with pytest.raises(
        InvalidDataError, match=r"^Table 'orders': Column 'tags' holds dict values"
    ):
        MultiTableGenerator(shop_schema()).fit(tables)


def test_numbers_too_large_to_square_are_refused_without_a_warning(
    shop: dict[str, pd.DataFrame],
) -> None:
    tables = dict(shop)
    tables["customers"] = shop["customers"].assign(
        wealth=np.linspace(1.0, 1e200, len(shop["customers"]))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            InvalidDataError,
            match=r"^Table 'customers': Column 'wealth' holds \d+ value\(s\) larger",
        ):
            MultiTableGenerator(shop_schema()).fit(tables)


def test_discrete_columns_take_none_or_one_name_per_table(
    shop: dict[str, pd.DataFrame],
) -> None:
    generator = MultiTableGenerator(shop_schema(), seed=0)
    generator.fit(shop, discrete_columns={"customers": "age", "orders": None})
    column_types = {
        c.name: c.column_type for c in generator.generators_["customers"].metadata_
    }
    assert column_types["age"] == ColumnType.CATEGORICAL
    ages = generator.generate()["customers"]["age"]
    assert ages.isin(shop["customers"]["age"]).all()


def test_discrete_columns_naming_an_unknown_column_are_refused(
    shop: dict[str, pd.DataFrame],
) -> None:
    with pytest.raises(
        InvalidDataError,
        match=r"^Table 'customers' has no column 'agee', named in "
        r"discrete_columns\. Did you mean 'age'\? Its columns are .*Correct that "
        r"list\.$",
    ):
        MultiTableGenerator(shop_schema()).fit(
            shop, discrete_columns={"customers": ["agee"]}
        )


def test_a_cycle_is_refused_and_named() -> None:
    schema = (
        RelationalSchema()
        .add_table("a", primary_key="id")
        .add_table("b", primary_key="id")
        .add_relationship("b", "a_id", "a")
    )
    with pytest.raises(InvalidConfigError, match="a -> b -> a"):
        schema.add_relationship("a", "b_id", "b")


def test_a_table_missing_from_fit_is_named(shop: dict[str, pd.DataFrame]) -> None:
    tables = {name: shop[name] for name in ("customers", "orders")}
    with pytest.raises(InvalidDataError, match=r"\['items'\]"):
        MultiTableGenerator(shop_schema()).fit(tables)


def test_a_relationship_naming_an_unknown_column_is_refused(
    shop: dict[str, pd.DataFrame],
) -> None:
    schema = shop_schema().add_relationship("items", "product_id", "customers")
    with pytest.raises(InvalidDataError, match="'items' has no column 'product_id'"):
        MultiTableGenerator(schema).fit(shop)


def test_a_repeated_primary_key_is_refused(shop: dict[str, pd.DataFrame]) -> None:
    tables = dict(shop)
    tables["customers"] = pd.concat([shop["customers"], shop["customers"].head(2)])
    with pytest.raises(InvalidDataError, match=r"'customers'.*repeats"):
        MultiTableGenerator(shop_schema()).fit(tables)


def test_a_relationship_to_an_unknown_table_is_refused() -> None:
    with pytest.raises(InvalidConfigError, match="'suppliers'"):
        shop_schema().add_relationship("items", "supplier_id", "suppliers")


def test_method_for_an_unknown_table_is_refused() -> None:
    with pytest.raises(InvalidConfigError, match="'invoices'"):
        MultiTableGenerator(shop_schema(), method={"invoices": "gaussian_copula"})


def test_per_table_config_reaches_each_table(shop: dict[str, pd.DataFrame]) -> None:
    config = {"orders": {"default_distribution": "norm"}}
    generator = MultiTableGenerator(shop_schema(), config=config, seed=0).fit(shop)
    assert generator.generators_["orders"].config_["default_distribution"] == "norm"
    assert generator.generators_["items"].config_["default_distribution"] == (
        "parametric"
    )


# -- schema detection and evaluation ---------------------------------------------------


def test_detect_schema_proposes_the_keys_and_relationships(
    shop: dict[str, pd.DataFrame],
) -> None:
    schema = detect_schema(shop)
    assert schema.primary_key("customers") == ("customer_id",)
    assert schema.primary_key("orders") == ("order_id",)
    found = {(r.child, r.child_columns, r.parent) for r in schema.relationships}
    assert found == {
        ("orders", ("customer_id",), "customers"),
        ("items", ("order_id",), "orders"),
    }


def test_schema_survives_a_round_trip_through_a_dict() -> None:
    schema = shop_schema()
    assert RelationalSchema.from_dict(schema.to_dict()) == schema
    assert schema.order() == ["customers", "orders", "items"]


def test_a_schema_dict_written_by_hand_is_read_or_refused_by_name() -> None:
    # Plain column names, as a person writes them, read as the encoded pairs
    # to_dict gives; a malformed dict raised KeyError or TypeError before.
    layout = shop_schema().to_dict()
    by_hand = {
        **layout,
        "tables": [
            {"name": "customers", "primary_key": "customer_id"},
            {"name": "orders", "primary_key": ["order_id"]},
            {"name": "items", "primary_key": ["item_id"]},
        ],
        "relationships": [
            {
                "child": "orders",
                "child_columns": ["customer_id"],
                "parent": "customers",
                "parent_columns": ["customer_id"],
            },
            {
                "child": "items",
                "child_columns": ["order_id"],
                "parent": "orders",
                "parent_columns": [["str", "order_id"]],
            },
        ],
    }
    assert RelationalSchema.from_dict(by_hand) == shop_schema()
    for broken, message in [
        (
            {**layout, "tables": [{"name": "customers"}]},
            "lacks the entry 'primary_key'",
        ),
        ({**layout, "relationships": None}, "not laid out"),
        ({**layout, "tables": [{"name": "x", "primary_key": [{}]}]}, "must be a name"),
        ([], "not a Genesis relational schema"),
    ]:
        with pytest.raises(InvalidConfigError, match=message):
            RelationalSchema.from_dict(broken)


def test_evaluation_reports_intact_keys_and_close_cardinality(
    shop: dict[str, pd.DataFrame], shop_synthetic: dict[str, pd.DataFrame]
) -> None:
    report = evaluate_multitable(shop, shop_synthetic, shop_schema())
    assert report.properties["referential_integrity"] == 1.0
    # Same generator as the cardinality test above: KS complement of the
    # children per parent, zeros included.
    assert report.properties["cardinality"] > 0.85
    assert report.to_dict()["properties"]["cardinality"] == pytest.approx(
        report.properties["cardinality"]
    )
    assert "<table" in report.to_html()


def test_evaluation_sees_broken_keys_and_lost_trends(
    shop: dict[str, pd.DataFrame],
) -> None:
    broken = {name: frame.copy() for name, frame in shop.items()}
    rng = np.random.default_rng(0)
    owners = rng.choice(shop["customers"]["customer_id"], len(shop["orders"]))
    owners[:10] = 10_000
    broken["orders"]["customer_id"] = owners
    report = evaluate_multitable(shop, broken, shop_schema())
    row = report.relationships.set_index("child").loc["orders"]
    assert row["integrity_synthetic"] < 1.0
    trends = report.inter_table_trends
    segment_vs_count = trends[
        (trends["view"] == "per_parent")
        & (trends["parent_column"] == "segment")
        & (trends["child_column"] == "count(orders)")
    ]["score"].iloc[0]
    # Orders spread over random customers lose the segment -> count link.
    assert segment_vs_count < 0.85


# -- real data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nycflights() -> dict[str, pd.DataFrame]:
    if not (NYCFLIGHTS / "flights.csv").is_file():
        pytest.skip(f"nycflights13 not found at {NYCFLIGHTS}")
    names = ("airlines", "airports", "planes", "weather", "flights")
    tables = {name: pd.read_csv(NYCFLIGHTS / f"{name}.csv") for name in names}
    # A fifth of the flights keeps the test short; every parent stays.
    tables["flights"] = tables["flights"].sample(5_000, random_state=0)
    for name in ("weather", "flights"):
        tables[name]["time_hour"] = pd.to_datetime(tables[name]["time_hour"], utc=True)
    return tables


def test_nycflights_schema_is_detected(nycflights: dict[str, pd.DataFrame]) -> None:
    schema = detect_schema(nycflights)
    assert schema.primary_key("airports") == ("faa",)
    assert schema.primary_key("weather") == ("origin", "time_hour")
    found = {(r.child, r.child_columns, r.parent) for r in schema.relationships}
    assert {
        ("flights", ("origin",), "airports"),
        ("flights", ("dest",), "airports"),
        ("flights", ("tailnum",), "planes"),
        ("flights", ("origin", "time_hour"), "weather"),
        ("weather", ("origin",), "airports"),
    } <= found


def test_nycflights_keeps_keys_origins_and_cardinality(
    nycflights: dict[str, pd.DataFrame],
) -> None:
    schema = detect_schema(nycflights)
    generator = MultiTableGenerator(schema, seed=0).fit(nycflights)
    synthetic = generator.generate()
    report = evaluate_multitable(nycflights, synthetic, schema)

    assert report.properties["referential_integrity"] == 1.0
    # Real flights leave from 3 of 1458 airports; HMA spread them over 159.
    assert synthetic["flights"]["origin"].nunique() <= 5
    shares = report.relationships
    gaps = (shares["with_children_real"] - shares["with_children_synthetic"]).abs()
    assert gaps.max() < 0.05
    assert report.properties["cardinality"] > 0.85
    orphans = generator.orphans_.set_index("relationship")["orphan_rows"]
    assert orphans["flights.dest -> airports.faa"] > 0


def test_a_foreign_key_left_out_of_the_schema_is_named(
    shop: dict[str, pd.DataFrame],
) -> None:
    # A new user deleted a relationship from the schema file: orders'
    # customer_id became an ordinary column, and every generated value was a
    # real customer id, copied into the model file too, without a word.
    schema = (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_table("items", primary_key="item_id")
        .add_relationship("items", "order_id", "orders", "order_id")
    )
    with pytest.warns(UserWarning) as caught:
        MultiTableGenerator(schema, seed=0).fit(shop)
    messages = [
        str(w.message) for w in caught if "looks like a foreign key" in str(w.message)
    ]
    assert messages == [
        "Table 'orders': column 'customer_id' looks like a foreign key to key "
        "'customer_id' of table 'customers' (100.0% of values match, names alike), but "
        "the schema has no such relationship, so its real values are learnt as "
        "categories and copied into synthetic rows and the model file. If it is "
        "one, add it: schema.add_relationship('orders', 'customer_id', "
        "'customers', 'customer_id')."
    ]
    assert {w.filename for w in caught if "foreign key" in str(w.message)} == {__file__}
    # The whole schema: nothing to say.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiTableGenerator(shop_schema(), seed=0).fit(shop)
