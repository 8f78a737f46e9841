"""Conditions reach the whole subtree: grandchildren, second parents, siblings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis.multitable import MultiTableGenerator, RelationalSchema

# Gold orders are about four times larger than basic ones, and an item costs
# about ten times its order's size: real items cost 86.5 under gold
# customers, 21.6 under basic ones and 49.2 over all.
ORDER_SIZE = {"basic": 2.0, "gold": 8.0}


def tiered() -> dict[str, pd.DataFrame]:
    """customers -> orders -> items -> parts: the tier shows only at the top.

    An order's size follows its customer's tier, an item's price its order's
    size and a part's weight its item's price; no table below customers has
    a tier column, so a condition on the tier reaches items and parts only
    through the rows drawn between them.
    """
    rng = np.random.default_rng(11)
    n = 400
    tier = rng.choice(list(ORDER_SIZE), n, p=[0.75, 0.25])
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "tier": tier,
            "balance": rng.lognormal(5.0, 1.0, n).round(2),
        }
    )
    owner = np.repeat(np.arange(n), rng.poisson(2.0, n))
    size = np.array([ORDER_SIZE[t] for t in tier[owner]])
    size = (size * rng.lognormal(0.0, 0.2, owner.size)).round(2)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(owner.size),
            "customer_id": owner,
            "size": size,
            "express": rng.random(owner.size) < 0.4,
        }
    )
    order = np.repeat(np.arange(owner.size), 1 + rng.poisson(size / 2))
    price = (10.0 * size[order] * rng.lognormal(0.0, 0.2, order.size)).round(2)
    items = pd.DataFrame(
        {"item_id": np.arange(order.size), "order_id": order, "price": price}
    )
    item = np.repeat(np.arange(order.size), rng.integers(1, 3, order.size))
    weight = (price[item] / 20.0 * rng.lognormal(0.0, 0.1, item.size)).round(3)
    parts = pd.DataFrame(
        {"part_id": np.arange(item.size), "item_id": item, "weight": weight}
    )
    return {"customers": customers, "orders": orders, "items": items, "parts": parts}


def tiered_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_table("items", primary_key="item_id")
        .add_table("parts", primary_key="part_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
        .add_relationship("items", "order_id", "orders", "order_id")
        .add_relationship("parts", "item_id", "items", "item_id")
    )


@pytest.fixture(scope="module")
def chain() -> MultiTableGenerator:
    return MultiTableGenerator(tiered_schema(), seed=0).fit(tiered())


def below(database: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table's rows under the generated customers, keys checked."""
    customers, orders, items, parts = (
        database[name] for name in ("customers", "orders", "items", "parts")
    )
    assert orders["customer_id"].isin(customers["customer_id"]).all()
    assert items["order_id"].isin(orders["order_id"]).all()
    assert parts["item_id"].isin(items["item_id"]).all()
    return database


def test_grandchildren_follow_a_condition_on_the_top_table(
    chain: MultiTableGenerator,
) -> None:
    gold = below(chain.generate(seed=1, conditions={"customers": {"tier": "gold"}}))
    basic = below(chain.generate(seed=1, conditions={"customers": {"tier": "basic"}}))

    # Item prices, means of seeds 0-4: real gold 86.5, basic 21.6. Before
    # conditions reached grandchildren both came out at 50 (items drawn for
    # all orders); now 78.7 and 26.5. The gold items of a database drawn
    # without conditions cost 78.2: the rest of the gap is the copula's own
    # fit of price on order size, not the conditions.
    assert gold["items"]["price"].mean() > 70
    assert basic["items"]["price"].mean() < 35
    # Parts follow their items in turn: real weights 4.3 and 1.1; before 2.5
    # for both, now 3.9 and 1.35.
    assert gold["parts"]["weight"].mean() > 3.5
    assert basic["parts"]["weight"].mean() < 1.8
    # Items per order were already right (the orders' counts): real 5.2 and
    # 2.05, generated 5.5 and 2.0.
    assert len(gold["items"]) / len(gold["orders"]) > 4.5
    assert len(basic["items"]) / len(basic["orders"]) < 2.5


def test_without_conditions_the_grandchildren_are_drawn_as_before(
    chain: MultiTableGenerator,
) -> None:
    database = below(chain.generate(seed=2))

    # Real mean price 49.2 over all items.
    assert 45 < database["items"]["price"].mean() < 60


def test_conditions_on_a_table_and_its_parent_reach_the_rows_below_both(
    chain: MultiTableGenerator,
) -> None:
    asked = {"customers": {"tier": "gold"}, "orders": {"express": True}}
    database = below(chain.generate(seed=3, conditions=asked))

    orders = database["orders"]
    assert (database["customers"]["tier"] == "gold").all()
    assert orders["express"].all()
    # Real: gold orders' size 8.2 (all 3.5), their items' price 86.5; items
    # drawn for all orders cost 50.
    assert orders["size"].mean() > 6.5
    assert database["items"]["price"].mean() > 70


def test_a_condition_in_the_middle_reaches_down_but_not_up(
    chain: MultiTableGenerator,
) -> None:
    plain = chain.generate({"customers": 300}, seed=4)
    database = below(
        chain.generate(
            {"customers": 300}, seed=4, conditions={"orders": {"size": (6.0, 20.0)}}
        )
    )

    assert database["orders"]["size"].between(6.0, 20.0).all()
    pd.testing.assert_frame_equal(database["customers"], plain["customers"])
    # Real items of orders over 6 cost 87.6 and their parts weigh 4.4. The
    # items, children of the orders, already followed; the parts weighed 2.5.
    assert database["items"]["price"].mean() > 70
    assert database["parts"]["weight"].mean() > 3.5


# -- a second parent, and several children -------------------------------------------

# Orders per customer and reviews per customer, by tier.
ORDER_RATES = {"basic": 0.8, "gold": 5.0}
REVIEW_RATES = {"basic": 2.0, "gold": 0.5}


def shops() -> dict[str, pd.DataFrame]:
    """customers and stores both parents of orders; customers also of reviews.

    There are more stores with orders than customers with orders, so the
    stores' counts add up to the real number of orders whoever the customers
    are.
    """
    rng = np.random.default_rng(3)
    n, n_stores = 300, 1_500
    tier = rng.choice(list(ORDER_RATES), n, p=[0.75, 0.25])
    customers = pd.DataFrame({"customer_id": np.arange(n), "tier": tier})
    region = rng.choice(["north", "south"], n_stores)
    stores = pd.DataFrame({"store_id": np.arange(n_stores), "region": region})
    owner = np.repeat(np.arange(n), rng.poisson([ORDER_RATES[t] for t in tier]))
    store = rng.integers(0, n_stores, owner.size)
    base = np.where(tier[owner] == "gold", 100.0, 30.0)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(owner.size),
            "customer_id": owner,
            "store_id": store,
            "amount": (base * rng.lognormal(0.0, 0.2, owner.size)).round(2),
            "north": region[store] == "north",
        }
    )
    author = np.repeat(np.arange(n), rng.poisson([REVIEW_RATES[t] for t in tier]))
    stars = np.where(tier[author] == "gold", 5, 2) - rng.integers(0, 2, author.size)
    reviews = pd.DataFrame(
        {"review_id": np.arange(author.size), "customer_id": author, "stars": stars}
    )
    return {
        "customers": customers,
        "stores": stores,
        "orders": orders,
        "reviews": reviews,
    }


@pytest.fixture(scope="module")
def two_parents() -> MultiTableGenerator:
    schema = (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("stores", primary_key="store_id")
        .add_table("orders", primary_key="order_id")
        .add_table("reviews", primary_key="review_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
        .add_relationship("orders", "store_id", "stores", "store_id")
        .add_relationship("reviews", "customer_id", "customers", "customer_id")
    )
    return MultiTableGenerator(schema, seed=0).fit(shops())


@pytest.mark.parametrize("tier", list(ORDER_RATES))
def test_a_child_of_two_parents_takes_its_count_from_the_conditioned_one(
    two_parents: MultiTableGenerator, tier: str
) -> None:
    database = two_parents.generate(seed=5, conditions={"customers": {"tier": tier}})

    orders, stores = database["orders"], database["stores"]
    assert orders["customer_id"].isin(database["customers"]["customer_id"]).all()
    assert orders["store_id"].isin(stores["store_id"]).all()
    per_customer = len(orders) / len(database["customers"])
    # Real 4.96 (gold) and 0.84 (basic) orders per customer. The count came
    # from the stores, drawn without conditions, and gave 1.79 for both.
    assert abs(per_customer - ORDER_RATES[tier]) < 0.15 * ORDER_RATES[tier] + 0.1
    # The unconditioned parent is still matched by its own context: the
    # order's copy of its store's region agrees (0.5 if matched at random).
    region = orders["store_id"].map(stores.set_index("store_id")["region"])
    assert ((region == "north") == orders["north"]).mean() > 0.85


@pytest.mark.parametrize("tier", list(ORDER_RATES))
def test_every_child_of_a_conditioned_parent_follows_it(
    two_parents: MultiTableGenerator, tier: str
) -> None:
    database = two_parents.generate(seed=6, conditions={"customers": {"tier": tier}})

    customers, orders, reviews = (
        database[name] for name in ("customers", "orders", "reviews")
    )
    assert reviews["customer_id"].isin(customers["customer_id"]).all()
    # Real: gold 5.0 orders of about 100 and 0.5 reviews of 4.5 stars per
    # customer; basic 0.8 orders of about 30 and 2.0 reviews of 1.5 stars.
    gold = tier == "gold"
    assert (orders["amount"].mean() > 85) if gold else (orders["amount"].mean() < 40)
    assert abs(len(reviews) / len(customers) - REVIEW_RATES[tier]) < 0.25
    assert (reviews["stars"].mean() > 4) if gold else (reviews["stars"].mean() < 2)
