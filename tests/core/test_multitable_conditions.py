"""Conditions on related tables: the rows asked for, their children, valid keys."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import ConditionNotMetError, InvalidDataError
from genesis.multitable import MultiTableGenerator, RelationalSchema, detect_schema
from genesis.multitable._cardinality import CountShape, calibrate_counts
from tests.core.test_multitable import shop_schema

NYCFLIGHTS = (
    Path(
        os.environ.get(
            "GENESIS_SHARED_DATA", Path(__file__).parents[2].parent / "shared" / "data"
        )
    )
    / "nycflights13"
)

# Orders per customer by segment; "pro" orders also cost about three times more.
ORDER_RATES = {"basic": 0.6, "pro": 4.0}


def shop() -> dict[str, pd.DataFrame]:
    """customers -> orders -> items, with the orders following the segment."""
    rng = np.random.default_rng(5)
    n = 200
    segment = rng.choice(list(ORDER_RATES), n, p=[0.7, 0.3])
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "segment": segment,
            "country": rng.choice(["FR", "DE", "PT"], n),
            "age": rng.integers(18, 80, n),
        }
    )
    per_customer = rng.poisson([ORDER_RATES[s] for s in segment])
    owner_segment = np.repeat(segment, per_customer)
    base = np.where(owner_segment == "pro", 120.0, 40.0)
    n_orders = int(per_customer.sum())
    orders = pd.DataFrame(
        {
            "order_id": [f"O-{i:04d}" for i in range(n_orders)],
            "customer_id": np.repeat(customers["customer_id"], per_customer),
            "amount": (base * rng.lognormal(0.0, 0.25, n_orders)).round(2),
            "express": rng.random(n_orders) < 0.3,
        }
    ).reset_index(drop=True)
    per_order = rng.integers(1, 4, n_orders)
    items = pd.DataFrame(
        {
            "item_id": np.arange(per_order.sum()),
            "order_id": np.repeat(orders["order_id"], per_order).to_numpy(),
            "quantity": rng.integers(1, 5, per_order.sum()),
        }
    )
    return {"customers": customers, "orders": orders, "items": items}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return shop()


@pytest.fixture(scope="module")
def fitted(tables: dict[str, pd.DataFrame]) -> MultiTableGenerator:
    return MultiTableGenerator(shop_schema(), seed=0).fit(tables)


def assert_keys_valid(database: dict[str, pd.DataFrame]) -> None:
    customers, orders, items = (database[n] for n in ("customers", "orders", "items"))
    assert orders["customer_id"].isin(customers["customer_id"]).all()
    assert items["order_id"].isin(orders["order_id"]).all()


def test_a_conditioned_parent_gets_the_children_of_parents_like_it(
    fitted: MultiTableGenerator,
) -> None:
    by_segment = {
        segment: fitted.generate(seed=3, conditions={"customers": {"segment": segment}})
        for segment in ORDER_RATES
    }

    for segment, database in by_segment.items():
        assert (database["customers"]["segment"] == segment).all()
        assert_keys_valid(database)
    per_customer = {
        s: len(db["orders"]) / len(db["customers"]) for s, db in by_segment.items()
    }
    amount = {s: db["orders"]["amount"].mean() for s, db in by_segment.items()}
    # Real rates 0.6 and 4.0 orders per customer; the whole table has 1.6, and
    # ranking a subset's counts among themselves gives pro customers about 2.3.
    assert per_customer["basic"] < 1.0
    assert per_customer["pro"] > 3.2
    # Real means about 41 and 124; orders drawn for all customers average 65.
    assert amount["basic"] < 50
    assert amount["pro"] > 100


def test_children_without_a_parent_stay_when_their_parents_are_conditioned(
    tables: dict[str, pd.DataFrame],
) -> None:
    orders = tables["orders"].copy()
    # A fifth of the orders were placed without an account.
    guest = np.random.default_rng(8).random(len(orders)) < 0.2
    orders["customer_id"] = orders["customer_id"].astype("Int64").mask(guest)
    schema = (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
    )
    generator = MultiTableGenerator(schema, seed=1).fit(
        {"customers": tables["customers"], "orders": orders}
    )

    database = generator.generate(seed=2, conditions={"customers": {"segment": "pro"}})

    synthetic = database["orders"]
    owned = synthetic["customer_id"].notna()
    assert (
        synthetic.loc[owned, "customer_id"]
        .isin(database["customers"]["customer_id"])
        .all()
    )
    # Guests are nobody's children: they keep their share (0.2, within two
    # standard deviations) and cost what all real orders cost (about 100;
    # guests drawn as pro customers' orders measured 122), while the pro
    # customers' orders cost what real pro orders cost (about 124).
    assert abs((~owned).mean() - 0.2) < 0.06
    assert synthetic.loc[~owned, "amount"].mean() < 110
    assert synthetic.loc[owned, "amount"].mean() > 112


def test_every_conditioned_child_row_meets_it_and_parents_keep_their_counts(
    fitted: MultiTableGenerator,
) -> None:
    counts = {"customers": 150}
    plain = fitted.generate(counts, seed=4)
    asked = {"orders": {"amount": (90.0, 400.0), "express": True}}
    database = fitted.generate(counts, seed=4, conditions=asked)

    orders = database["orders"]
    assert orders["amount"].between(90.0, 400.0).all()
    assert orders["express"].all()
    assert_keys_valid(database)
    pd.testing.assert_frame_equal(database["customers"], plain["customers"])
    # The parents' learned counts still decide: as many orders, and the same
    # children per customer, though which customers get the most follows the
    # orders asked for (they crowd around pro customers).
    assert len(orders) == len(plain["orders"])

    def children(db: dict[str, pd.DataFrame]) -> np.ndarray:
        found = db["orders"]["customer_id"].value_counts()
        return np.sort(found.reindex(db["customers"]["customer_id"], fill_value=0))

    np.testing.assert_array_equal(children(database), children(plain))


def test_conditions_on_parent_and_child_together_follow_scale_and_seed(
    fitted: MultiTableGenerator, tables: dict[str, pd.DataFrame]
) -> None:
    asked = {
        "customers": {"country": "FR", "age": (30, 50)},
        "items": {"quantity": 4},
    }
    first = fitted.generate(scale=2.0, seed=6, conditions=asked)
    second = fitted.generate(scale=2.0, seed=6, conditions=asked)

    customers = first["customers"]
    assert len(customers) == 2 * len(tables["customers"])
    assert (customers["country"] == "FR").all()
    assert customers["age"].between(30, 50).all()
    assert (first["items"]["quantity"] == 4).all()
    assert_keys_valid(first)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True)


def test_a_loaded_generator_generates_the_same_conditioned_database(
    fitted: MultiTableGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "shop.genesis"
    fitted.save(path)
    loaded = MultiTableGenerator.load(path)
    asked = {"customers": {"segment": "pro"}, "orders": {"express": False}}

    expected = fitted.generate({"customers": 40}, seed=9, conditions=asked)
    database = loaded.generate({"customers": 40}, seed=9, conditions=asked)
    for name in expected:
        pd.testing.assert_frame_equal(database[name], expected[name], check_exact=True)
    assert (database["orders"]["express"] == False).all()  # noqa: E712


def test_counts_of_conditioned_parents_rank_among_the_whole_table() -> None:
    # Half the real parents have 1 child, half 10; the model's counts over
    # the whole table run from 1 to 100, and the rows asked for are its top.
    shape = CountShape.learn(np.repeat([1, 10], 50))
    assert shape is not None
    rng = np.random.default_rng(0)
    top = np.array([95.0, 97.0, 99.0, 100.0])

    counts = calibrate_counts(top, shape, rng, reference=np.arange(1.0, 101.0))

    # Ranked among themselves they would take 1 and 10 alike.
    np.testing.assert_array_equal(counts, [10, 10, 10, 10])


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"shops": {"city": "Lyon"}}, r"table 'shops'.*tables are"),
        ({"customers": {"city": "Lyon"}}, r"'customers'.*'city'.*does not have"),
        ({"customers": {"customer_id": 3}}, r"'customers'.*'customer_id'.*primary"),
        ({"orders": {"customer_id": 3}}, r"'orders'.*'customer_id'.*foreign key"),
        ({"customers": {"country": "IT"}}, r"Table 'customers'.*'country'.*'IT'"),
        ({"items": {"quantity": ("a", "b")}}, r"Table 'items'.*'quantity'"),
        ({"customers": "pro"}, r"table 'customers' must map"),
        (["customers"], r"conditions must map table names"),
    ],
)
def test_bad_conditions_are_refused_before_anything_is_generated(
    fitted: MultiTableGenerator, tmp_path: Path, conditions: object, message: str
) -> None:
    path = tmp_path / "shop.genesis"
    fitted.save(path)
    twin = MultiTableGenerator.load(path)

    with pytest.raises(InvalidDataError, match=message):
        fitted.generate(conditions=conditions)  # type: ignore[arg-type]
    # The refusal drew nothing from the generator's stream.
    after, expected = fitted.generate(), twin.generate()
    for name in expected:
        pd.testing.assert_frame_equal(after[name], expected[name], check_exact=True)


def test_conditions_too_rare_to_meet_name_the_table(
    fitted: MultiTableGenerator,
) -> None:
    # Amounts have two decimals: none lies between these bounds.
    with pytest.raises(ConditionNotMetError, match=r"Table 'orders'.*'amount'"):
        fitted.generate(conditions={"orders": {"amount": (100.001, 100.009)}})
    # Outside the amounts seen it is refused before anything is drawn.
    with pytest.raises(InvalidDataError, match=r"Table 'orders'.*'amount'.*ran from"):
        fitted.generate(conditions={"orders": {"amount": (1_000.0, 2_000.0)}})


# -- real data -------------------------------------------------------------------------


def test_nycflights_one_airline_and_long_delays_keep_every_key() -> None:
    if not (NYCFLIGHTS / "flights.csv").is_file():
        pytest.skip(f"nycflights13 not found at {NYCFLIGHTS}")
    names = ("airlines", "airports", "planes", "weather", "flights")
    tables = {name: pd.read_csv(NYCFLIGHTS / f"{name}.csv") for name in names}
    # A tenth of the flights keeps the test short; every parent stays.
    tables["flights"] = tables["flights"].sample(2_500, random_state=0)
    for name in ("weather", "flights"):
        tables[name]["time_hour"] = pd.to_datetime(tables[name]["time_hour"], utc=True)
    generator = MultiTableGenerator(detect_schema(tables), seed=0).fit(tables)

    united = "United Air Lines Inc."
    database = generator.generate(
        seed=1,
        conditions={
            "airlines": {"name": united},
            "flights": {"dep_delay": (60, 1_500)},
        },
    )

    flights = database["flights"]
    assert (database["airlines"]["name"] == united).all()
    assert len(flights) > 1_000
    assert flights["dep_delay"].between(60, 1_500).all()
    assert flights["carrier"].isin(database["airlines"]["carrier"]).all()
    assert flights["origin"].isin(database["airports"]["faa"]).all()
    planes = flights["tailnum"].dropna()
    assert planes.isin(database["planes"]["tailnum"]).all()


def test_inherited_conditions_too_rare_are_named_in_the_users_terms(
    fitted: MultiTableGenerator,
) -> None:
    # Orders of pro customers inherit 'segment' on an internal context
    # column, whose name reached the message.
    with pytest.raises(ConditionNotMetError) as rare:
        fitted.generate(
            conditions={
                "customers": {"segment": "pro"},
                "orders": {"amount": (100.001, 100.009)},
            }
        )
    message = str(rare.value)
    assert message.startswith("Table 'orders': its model could not generate")
    assert "'amount'" in message and "['customers']" in message
    assert "__genesis__" not in message
