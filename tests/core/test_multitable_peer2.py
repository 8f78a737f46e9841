"""Related tables: shapes from peer libraries' bug reports.

Each test builds the input of a bug filed against SDV or SDMetrics and
claims what Genesis does with it.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidDataError
from genesis.evaluation import evaluate_multitable
from genesis.multitable import MultiTableGenerator, RelationalSchema
from genesis.multitable._keys import KeyFormat


def users_and_visits(n_users: int = 30, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Users with zero to three visits each."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame(
        {"user_id": np.arange(n_users), "age": rng.integers(18, 80, n_users)}
    )
    n_visits = rng.integers(0, 4, n_users)
    visits = pd.DataFrame(
        {
            "visit_id": np.arange(n_visits.sum()),
            "user_id": np.repeat(users["user_id"].to_numpy(), n_visits),
            "minutes": rng.gamma(2.0, 10.0, n_visits.sum()).round(1),
        }
    )
    return {"users": users, "visits": visits}


def users_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("users", primary_key="user_id")
        .add_table("visits", primary_key="visit_id")
        .add_relationship("visits", "user_id", "users", "user_id")
    )


def with_upper_uuid_users(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(1)
    users, visits = tables["users"].copy(), tables["visits"].copy()
    codes = [
        str(uuid.UUID(bytes=rng.bytes(16), version=4)).upper() for _ in users.index
    ]
    renamed = dict(zip(users["user_id"], codes, strict=True))
    users["user_id"] = codes
    visits["user_id"] = visits["user_id"].map(renamed)
    return {"users": users, "visits": visits}


# SDV issue 1640 (and RDT's AnonymizedFaker): generated ids lost the case of
# the real ones. The single-table path keeps it; related tables must too.
def test_capital_uuid_keys_stay_capital_in_parent_and_child() -> None:
    tables = with_upper_uuid_users(users_and_visits())

    synthetic = MultiTableGenerator(users_schema(), seed=0).fit(tables).generate()

    keys = pd.concat([synthetic["users"]["user_id"], synthetic["visits"]["user_id"]])
    assert (keys == keys.str.upper()).all()
    assert synthetic["visits"]["user_id"].isin(synthetic["users"]["user_id"]).all()


def test_lower_case_uuid_keys_stay_lower_case() -> None:
    real = pd.Series([str(uuid.uuid4()) for _ in range(20)])

    fresh = KeyFormat.learn(real).fresh(10, np.random.default_rng(0))

    assert (fresh == fresh.str.lower()).all()


def test_a_key_format_saved_before_case_was_kept_still_loads() -> None:
    saved = {"kind": "uuid", "dtype": "object"}

    fresh = KeyFormat.from_json(saved).fresh(3, np.random.default_rng(0))

    assert (fresh == fresh.str.lower()).all()


@pytest.fixture(scope="module")
def visits_database() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    real = users_and_visits()
    synthetic = MultiTableGenerator(users_schema(), seed=0).fit(real).generate()
    return real, synthetic


# SDMetrics issues 508 and 509: a report given synthetic data short of a
# column failed deep inside, instead of saying which table and column.
@pytest.mark.parametrize(
    ("side", "column", "named"),
    [
        ("synthetic", "minutes", "'minutes'"),
        ("synthetic", "user_id", "key columns ['user_id']"),
        ("real", "user_id", "key columns ['user_id']"),
    ],
)
def test_evaluation_names_the_table_and_column_a_side_lacks(
    visits_database: tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]],
    side: str,
    column: str,
    named: str,
) -> None:
    real, synthetic = (dict(tables) for tables in visits_database)
    shorter = real if side == "real" else synthetic
    shorter["visits"] = shorter["visits"].drop(columns=[column])

    message = rf"{side} table 'visits' lacks.*{re.escape(named)}"
    with pytest.raises(InvalidDataError, match=message):
        evaluate_multitable(real, synthetic, users_schema())


def test_evaluation_names_a_table_that_is_not_a_frame(
    visits_database: tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]],
) -> None:
    real, synthetic = visits_database
    as_dict = {**synthetic, "visits": synthetic["visits"].to_dict("list")}

    with pytest.raises(InvalidDataError, match="synthetic table 'visits' is a dict"):
        evaluate_multitable(real, as_dict, users_schema())


def test_evaluation_leaves_extra_synthetic_columns_out_of_the_scores(
    visits_database: tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]],
) -> None:
    real, synthetic = visits_database
    extra = {**synthetic, "visits": synthetic["visits"].assign(note="x")}

    plain = evaluate_multitable(real, synthetic, users_schema())
    widened = evaluate_multitable(real, extra, users_schema())

    assert widened.score == pytest.approx(plain.score)


def with_surveys(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A survey answered at most once per user: its key is the user's key."""
    rng = np.random.default_rng(2)
    users = tables["users"]
    answered = rng.choice(users["user_id"].to_numpy(), size=len(users) * 2 // 3)
    answered = np.unique(answered)
    surveys = pd.DataFrame(
        {"user_id": answered, "score": rng.integers(1, 6, answered.size)}
    )
    return {**tables, "surveys": surveys}


def surveys_schema() -> RelationalSchema:
    return (
        users_schema()
        .add_table("surveys", primary_key="user_id")
        .add_relationship("surveys", "user_id", "users", "user_id")
    )


@pytest.fixture(scope="module")
def survey_generator() -> MultiTableGenerator:
    tables = with_surveys(users_and_visits())
    return MultiTableGenerator(surveys_schema(), seed=0).fit(tables)


# SDV issues 2455 and 2779: a child whose primary key is also its foreign key
# (at most one row per parent). Asking for more children than the learned
# share must not repeat the key, nor silently give fewer rows.
@pytest.mark.parametrize("n_surveys", [25, 30])
def test_a_child_keyed_by_its_parent_gets_the_rows_asked_without_repeats(
    survey_generator: MultiTableGenerator, n_surveys: int
) -> None:
    synthetic = survey_generator.generate({"users": 30, "surveys": n_surveys})

    surveys = synthetic["surveys"]
    assert len(surveys) == n_surveys
    assert surveys["user_id"].is_unique
    assert surveys["user_id"].isin(synthetic["users"]["user_id"]).all()


def test_more_children_than_parents_on_a_shared_key_is_refused(
    survey_generator: MultiTableGenerator,
) -> None:
    message = "most one 'surveys' row; 31 rows need one of 30 parent rows"
    with pytest.raises(InvalidDataError, match=message):
        survey_generator.generate({"users": 30, "surveys": 31})


# SDV issue 2045: a small scale failed. Ours gives each table a row; an
# infinite scale must be refused by name, not overflow.
def test_a_tiny_scale_still_gives_every_table_a_row(
    survey_generator: MultiTableGenerator,
) -> None:
    synthetic = survey_generator.generate(scale=0.001)

    assert {name: len(frame) for name, frame in synthetic.items()} == {
        "users": 1,
        "visits": 1,
        "surveys": 1,
    }


@pytest.mark.parametrize("scale", [float("inf"), float("nan"), 0.0])
def test_a_scale_that_is_not_a_positive_finite_number_is_refused(
    survey_generator: MultiTableGenerator, scale: float
) -> None:
    with pytest.raises(InvalidDataError, match="scale must be a positive finite"):
        survey_generator.generate(scale=scale)


def with_object_keys(
    tables: dict[str, pd.DataFrame], make_key: object
) -> dict[str, pd.DataFrame]:
    users, visits = tables["users"].copy(), tables["visits"].copy()
    keys = pd.Series([make_key(i) for i in users["user_id"]], dtype=object)
    renamed = dict(zip(users["user_id"], keys, strict=True))
    users["user_id"] = keys
    visits["user_id"] = visits["user_id"].map(renamed).astype(object)
    return {"users": users, "visits": visits}


def _uuid_of(number: int) -> uuid.UUID:
    return uuid.UUID(int=number + 1, version=4)


# Keys read from a database driver often arrive as Python ints or uuid.UUID
# objects in an object column; they must not come back as text.
@pytest.mark.parametrize(("make_key", "kind"), [(int, int), (_uuid_of, uuid.UUID)])
def test_keys_held_as_python_objects_keep_their_type(
    make_key: object, kind: type
) -> None:
    tables = with_object_keys(users_and_visits(), make_key)

    synthetic = MultiTableGenerator(users_schema(), seed=0).fit(tables).generate()

    keys = pd.concat([synthetic["users"]["user_id"], synthetic["visits"]["user_id"]])
    assert {type(key) for key in keys} == {kind}
    assert synthetic["users"]["user_id"].is_unique
    assert synthetic["visits"]["user_id"].isin(synthetic["users"]["user_id"]).all()


# SDMetrics' key-uniqueness check exists because generators have produced
# repeated primary keys; scoring such a database crashed in the key lookup.
def test_evaluation_scores_a_database_whose_parent_key_repeats(
    visits_database: tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]],
) -> None:
    real, synthetic = visits_database
    users = synthetic["users"].copy()
    busiest = synthetic["visits"]["user_id"].value_counts().index[0]
    others = users.index[users["user_id"] != busiest][:5]
    users.loc[others, "user_id"] = busiest
    repeated = {**synthetic, "users": users}

    with pytest.warns(UserWarning, match="synthetic table 'users' repeats"):
        report = evaluate_multitable(real, repeated, users_schema())

    assert report.info["repeated_primary_keys"]["synthetic"]["users"] == 5
    still_named = synthetic["visits"]["user_id"].isin(users["user_id"]).mean()
    assert report.properties["referential_integrity"] == pytest.approx(still_named)


# SDV pull request 2629: an empty table given to a multi-table generator
# needed a clear error. Ours names the table and the way round it.
def test_an_empty_table_is_refused_naming_it_and_the_way_round() -> None:
    tables = users_and_visits()
    tables["visits"] = tables["visits"].iloc[:0]

    generator = MultiTableGenerator(users_schema(), seed=0)
    with pytest.raises(InvalidDataError, match=r"'visits' has no rows.*remove_table"):
        generator.fit(tables)


# SDV issue 2136: one foreign key column pointing into either of two parent
# tables. A column is the foreign key of one relationship only; the second
# declaration is refused by name rather than silently overwriting the first.
def test_one_column_cannot_refer_to_two_parents() -> None:
    schema = users_schema().add_table("guests", primary_key="user_id")

    with pytest.raises(ValueError, match=r"visits\.user_id is already declared"):
        schema.add_relationship("visits", "user_id", "guests", "user_id")


# SDV issue 1895: most parents with zero or one child. The share of parents
# with children, and the children per parent, must survive.
def test_parents_with_zero_or_one_child_keep_their_shares() -> None:
    rng = np.random.default_rng(3)
    n_users = 400
    users = pd.DataFrame(
        {"user_id": np.arange(n_users), "age": rng.integers(18, 80, n_users)}
    )
    n_visits = rng.choice([0, 1, 10, 15], size=n_users, p=[0.4, 0.5, 0.05, 0.05])
    visits = pd.DataFrame(
        {
            "visit_id": np.arange(n_visits.sum()),
            "user_id": np.repeat(users["user_id"].to_numpy(), n_visits),
            "minutes": rng.uniform(0.0, 10.0, n_visits.sum()).round(2),
        }
    )
    tables = {"users": users, "visits": visits}

    synthetic = MultiTableGenerator(users_schema(), seed=0).fit(tables).generate()

    counts = (
        synthetic["visits"]["user_id"]
        .value_counts()
        .reindex(synthetic["users"]["user_id"], fill_value=0)
    )
    # 400 parents: a share is known to about 2.5 points (one standard error).
    assert (counts == 0).mean() == pytest.approx(0.4, abs=0.08)
    assert (counts == 1).mean() == pytest.approx(0.5, abs=0.08)
    # The child column is not pinned to one value (the constant output of
    # the SDV report).
    assert synthetic["visits"]["minutes"].nunique() > 100


def shop_with_baskets(seed: int = 0) -> dict[str, pd.DataFrame]:
    """customers -> baskets -> orders, where each order also names its customer."""
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame(
        {"customer_id": np.arange(40), "age": rng.integers(18, 80, 40)}
    )
    baskets = pd.DataFrame(
        {"basket_id": np.arange(90), "customer_id": rng.integers(0, 40, 90)}
    )
    basket_of_order = rng.integers(0, 90, 200)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(200),
            "basket_id": basket_of_order,
            "customer_id": baskets["customer_id"].to_numpy()[basket_of_order],
            "amount": rng.gamma(2.0, 20.0, 200).round(2),
        }
    )
    return {"customers": customers, "baskets": baskets, "orders": orders}


def baskets_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("baskets", primary_key="basket_id")
        .add_table("orders", primary_key="order_id")
        .add_relationship("baskets", "customer_id", "customers", "customer_id")
        .add_relationship("orders", "basket_id", "baskets", "basket_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
    )


def basket_owner_agrees(tables: dict[str, pd.DataFrame]) -> float:
    owner = tables["baskets"].set_index("basket_id")["customer_id"]
    orders = tables["orders"]
    return float(
        (orders["customer_id"] == owner.reindex(orders["basket_id"]).to_numpy()).mean()
    )


# A table whose two foreign keys meet again at a grandparent (a triangle), a
# multi-parent shape SDV's HMA models link by link (SDV pull request 298).
# When every real order names its basket's customer, generated orders must
# too, or a join through either path tells a different story.
def test_a_key_implied_through_another_parent_stays_consistent() -> None:
    tables = shop_with_baskets()
    assert basket_owner_agrees(tables) == 1.0

    synthetic = MultiTableGenerator(baskets_schema(), seed=0).fit(tables).generate()

    assert basket_owner_agrees(synthetic) == 1.0
    orders = synthetic["orders"]
    assert orders["customer_id"].isin(synthetic["customers"]["customer_id"]).all()


def test_a_key_that_only_sometimes_agrees_is_still_matched_on_its_own() -> None:
    tables = shop_with_baskets()
    orders = tables["orders"].copy()
    orders.loc[:49, "customer_id"] = (orders.loc[:49, "customer_id"] + 1) % 40
    tables["orders"] = orders

    synthetic = MultiTableGenerator(baskets_schema(), seed=0).fit(tables).generate()

    # A quarter of the real orders disagree; they are not forced to agree.
    assert basket_owner_agrees(synthetic) < 1.0
    assert synthetic["orders"]["customer_id"].notna().all()


def test_a_loaded_generator_keeps_copying_an_implied_key(tmp_path: Path) -> None:
    tables = shop_with_baskets()
    generator = MultiTableGenerator(baskets_schema(), seed=0).fit(tables)
    generator.save(tmp_path / "shop.genesis")

    loaded = MultiTableGenerator.load(tmp_path / "shop.genesis")

    synthetic = loaded.generate(seed=3)
    assert basket_owner_agrees(synthetic) == 1.0
    expected = generator.generate(seed=3)
    pd.testing.assert_frame_equal(synthetic["orders"], expected["orders"])
