"""Constraints on related tables: each table's rules hold in every generated row."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidConfigError, InvalidDataError, NotFittedError
from genesis.constraints import FixedCombinations, Inequality, Range
from genesis.multitable import MultiTableGenerator, RelationalSchema
from tests.conftest import REPO

CITIES = {"Lyon": "FR", "Nice": "FR", "Porto": "PT", "Braga": "PT", "Cork": "IE"}


@pytest.fixture
def schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
    )


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """Customers and their orders; an order ships a few days after it is placed,
    close enough that an unconstrained model often ships before."""
    rng = np.random.default_rng(3)
    n_customers, n_orders = 40, 300
    cities = rng.choice(list(CITIES), n_customers)
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(n_customers),
            "age": rng.integers(18, 80, n_customers),
            "city": cities,
            "country": [CITIES[c] for c in cities],
        }
    )
    ordered = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 300, n_orders), unit="D"
    )
    orders = pd.DataFrame(
        {
            "order_id": np.arange(n_orders),
            "customer_id": rng.integers(0, n_customers, n_orders),
            "ordered": ordered,
            "shipped": ordered
            + pd.to_timedelta(rng.integers(0, 6, n_orders), unit="D"),
            "total": rng.gamma(2.0, 30.0, n_orders).round(2),
        }
    )
    return {"customers": customers, "orders": orders}


def shipped_before_ordered(orders: pd.DataFrame) -> int:
    return int((orders["ordered"] > orders["shipped"]).sum())


def test_child_rows_meet_an_inequality_that_unconstrained_rows_break(
    schema: RelationalSchema, tables: dict[str, pd.DataFrame]
) -> None:
    plain = MultiTableGenerator(schema, seed=0).fit(tables)
    constrained = MultiTableGenerator(
        schema, seed=0, constraints={"orders": [Inequality("ordered", "shipped")]}
    ).fit(tables)

    # Without the rule the copula ships about one order in six before it was
    # placed (measured 163 of 900); with it, none.
    assert shipped_before_ordered(plain.generate(scale=3.0)["orders"]) > 30
    orders = constrained.generate(scale=3.0)["orders"]
    assert len(orders) > 600
    assert shipped_before_ordered(orders) == 0


def test_rules_on_parent_and_child_hold_in_every_row(
    schema: RelationalSchema, tables: dict[str, pd.DataFrame]
) -> None:
    generator = MultiTableGenerator(
        schema,
        seed=1,
        constraints={
            "customers": [FixedCombinations(["city", "country"])],
            "orders": [Inequality("ordered", "shipped"), Range("total", low=1)],
        },
    ).fit(tables)
    database = generator.generate({"customers": 200})

    customers = database["customers"]
    pairs = set(zip(customers["city"], customers["country"], strict=True))
    assert pairs <= set(CITIES.items())
    orders = database["orders"]
    assert shipped_before_ordered(orders) == 0
    assert (orders["total"] >= 1).all()
    # The keys still join: the rules did not cost any child its parent.
    assert orders["customer_id"].isin(customers["customer_id"]).all()


def test_save_and_load_keep_the_rules(
    schema: RelationalSchema, tables: dict[str, pd.DataFrame], tmp_path
) -> None:
    generator = MultiTableGenerator(
        schema, seed=0, constraints={"orders": [Inequality("ordered", "shipped")]}
    ).fit(tables)
    generator.save(tmp_path / "shop.genesis")
    same = MultiTableGenerator.load(tmp_path / "shop.genesis")

    assert {t: [repr(c) for c in r] for t, r in same.constraints.items()} == {
        "orders": ["Inequality('ordered', 'shipped')"]
    }
    assert shipped_before_ordered(same.generate(scale=3.0)["orders"]) == 0
    # A refit of the loaded generator checks the rules again.
    broken = dict(tables)
    broken["orders"] = tables["orders"].assign(shipped=tables["orders"]["ordered"])
    broken["orders"].loc[5, "shipped"] -= pd.Timedelta(days=1)
    with pytest.raises(InvalidDataError, match="Table 'orders'"):
        same.fit(broken)


def test_unknown_table_is_refused(schema: RelationalSchema) -> None:
    with pytest.raises(InvalidConfigError, match=r"'order'.*'customers', 'orders'"):
        MultiTableGenerator(schema, constraints={"order": [Range("total", low=0)]})


def test_constraints_not_by_table_are_refused(schema: RelationalSchema) -> None:
    with pytest.raises(InvalidConfigError, match="dict of constraint lists by table"):
        MultiTableGenerator(schema, constraints=[Range("total", low=0)])  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match=r"table 'orders'.*not a constraint"):
        MultiTableGenerator(schema, constraints={"orders": ["total >= 0"]})  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("rule", "column", "key"),
    [
        (Range("order_id", low=0), "order_id", "primary key"),
        (Inequality("customer_id", "total"), "customer_id", "foreign key"),
    ],
)
def test_rule_on_a_key_column_is_refused(
    schema: RelationalSchema, rule, column: str, key: str
) -> None:
    with pytest.raises(InvalidConfigError) as caught:
        MultiTableGenerator(schema, constraints={"orders": [rule]})
    message = str(caught.value)
    assert "table 'orders'" in message
    assert f"column {column!r}" in message
    assert key in message


@pytest.mark.parametrize(
    ("rule", "column"),
    [
        (Inequality("ordered", "delivered"), "delivered"),
        # A parent's column reaches the child's model only as context, so no
        # rule of the child can name it.
        (Range("age", low=18), "age"),
    ],
)
def test_rule_on_a_column_the_table_lacks_is_refused_before_any_fit(
    schema: RelationalSchema, tables: dict[str, pd.DataFrame], rule, column: str
) -> None:
    generator = MultiTableGenerator(schema, constraints={"orders": [rule]})
    with pytest.raises(
        InvalidDataError, match=f"Table 'orders' has no column {column!r}"
    ):
        generator.fit(tables)
    with pytest.raises(NotFittedError):
        generator.generate()


def test_training_rows_that_break_a_rule_are_refused_naming_the_table(
    schema: RelationalSchema, tables: dict[str, pd.DataFrame]
) -> None:
    generator = MultiTableGenerator(
        schema, constraints={"orders": [Range("total", high=100)]}
    )
    with pytest.raises(InvalidDataError) as caught:
        generator.fit(tables)
    message = str(caught.value)
    assert message.startswith("Table 'orders': the training data breaks Range")
    assert re.search(r"\d+ of 300 rows", message)
    with pytest.raises(NotFittedError):
        generator.generate()


def _readme_block(language: str, number: int) -> str:
    text = (REPO / "README.md").read_text()
    section = re.search(r"^### Constraints\n(.*?)^## ", text, re.S | re.M)
    assert section is not None, "README.md has no Constraints section"
    blocks = re.findall(rf"```{language}\n(.*?)```", section.group(1), re.S)
    return blocks[number]


def test_readme_related_tables_constraints_example_runs(
    tables: dict[str, pd.DataFrame],
) -> None:
    namespace: dict[str, object] = {"tables": tables}
    code = _readme_block("python", 1)
    exec(compile(code, "README.md#constraints", "exec"), namespace)
    orders = namespace["orders"]
    assert isinstance(orders, pd.DataFrame)
    assert shipped_before_ordered(orders) == 0
    assert (orders["total"] >= 0).all()
