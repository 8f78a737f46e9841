"""Conditions given to generate(): the shapes users of other libraries report.

Each test names the report on another library whose input it rebuilds; the
claim is about what Genesis does with that input.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidDataError, SyntheticGenerator, TableMetadata
from genesis.errors import ConditionNotMetError

ROWS = 300


def shop_frame(n: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """A small table with a column of each kind a condition can name."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "order_id": np.arange(1000, 1000 + n),
            "store": ["north"] * n,
            "coupon": [None] * n,
            "channel": pd.Series(rng.choice(["web", "shop", None], n), dtype=object),
            "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
            "discount": rng.choice([-2.5, 0.0, 0.5, 1.0], n),
            "basket": rng.integers(1, 40, n),
            "rating": np.where(rng.random(n) < 0.3, np.nan, rng.normal(3, 1, n)),
            "paid_at": pd.Timestamp("2021-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        }
    )


@pytest.fixture(scope="module")
def shop() -> SyntheticGenerator:
    with warnings.catch_warnings():
        # The all-missing coupon column is warned about; that is not the claim.
        warnings.simplefilter("ignore")
        return SyntheticGenerator("gaussian_copula", seed=3).fit(shop_frame())


# -- missing values as conditions (SDV issue 2581) ----------------------------


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, np.float32("nan")])
def test_any_missing_marker_asks_for_the_missing_rows_of_a_discrete_column(
    shop: SyntheticGenerator, missing: Any
) -> None:
    out = shop.generate(20, conditions={"channel": missing})
    assert out["channel"].isna().all()


def test_a_missing_condition_on_a_numeric_column_gives_its_missing_rows(
    shop: SyntheticGenerator,
) -> None:
    out = shop.generate(20, conditions={"rating": None})
    assert len(out) == 20
    assert out["rating"].isna().all()


def test_missing_values_of_a_column_that_had_none_are_refused(
    shop: SyntheticGenerator,
) -> None:
    with pytest.raises(InvalidDataError, match=r"'basket'.*no missing values"):
        shop.generate(5, conditions={"basket": None})


# -- one value of a numeric column (SDV issues 525 and 1161) ------------------


@pytest.mark.parametrize("value", [0.0, -2.5, np.float64(-2.5), np.int64(1)])
def test_one_number_on_a_numeric_column_asks_for_exactly_it(
    shop: SyntheticGenerator, value: Any
) -> None:
    out = shop.generate(20, conditions={"discount": value})
    assert (out["discount"] == value).all()


def test_a_range_given_as_a_list_is_a_range(shop: SyntheticGenerator) -> None:
    out = shop.generate(20, conditions={"basket": [5, 9]})
    assert out["basket"].between(5, 9).all()


# -- bounds that cannot be compared with the column ---------------------------


def test_a_nan_bound_is_refused_before_generating(shop: SyntheticGenerator) -> None:
    # It used to generate 24,000 rows and then say none met the range.
    with pytest.raises(InvalidDataError, match=r"'rating'.*missing"):
        shop.generate(5, conditions={"rating": (np.nan, 4.0)})


@pytest.mark.parametrize(
    ("column", "bounds"),
    [
        ("basket", ("a", "b")),
        ("paid_at", (0, 5)),
        ("paid_at", ("early spring", "2021-05-01")),
    ],
)
def test_bounds_of_the_wrong_kind_are_refused_naming_the_column(
    shop: SyntheticGenerator, column: str, bounds: tuple[Any, Any]
) -> None:
    with pytest.raises(InvalidDataError, match=rf"'{column}'"):
        shop.generate(5, conditions={column: bounds})


def test_dates_are_bounds_of_a_datetime_column(shop: SyntheticGenerator) -> None:
    bounds = (dt.date(2021, 3, 1), dt.date(2021, 4, 1))
    out = shop.generate(20, conditions={"paid_at": bounds})
    assert out["paid_at"].between("2021-03-01", "2021-04-01").all()


def test_a_zoned_bound_on_a_column_without_zones_is_refused(
    shop: SyntheticGenerator,
) -> None:
    bounds = (pd.Timestamp("2021-03-01", tz="UTC"), "2021-04-01")
    with pytest.raises(InvalidDataError, match=r"'paid_at'.*time zone"):
        shop.generate(5, conditions={"paid_at": bounds})


def test_a_bound_without_zone_is_read_in_the_column_zone() -> None:
    real = pd.DataFrame(
        {
            "at": pd.date_range("2021-01-01", periods=ROWS, freq="h", tz="Asia/Tokyo"),
            "x": np.random.default_rng(1).normal(size=ROWS),
        }
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(real)
    low, high = pd.Timestamp("2021-01-03"), pd.Timestamp("2021-01-05")
    out = generator.generate(20, conditions={"at": (low, high)})
    tokyo = out["at"].dt.tz_localize(None)
    assert tokyo.between(low, high).all()


def test_a_range_on_times_stored_as_text_compares_times() -> None:
    rng = np.random.default_rng(2)
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 90, ROWS), "D")
    real = pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "x": rng.normal(size=ROWS)})
    metadata = TableMetadata.infer(real)
    metadata.update_column("day", "datetime")
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    generator.fit(real, metadata=metadata)
    out = generator.generate(20, conditions={"day": ("2021-02-01", "2021-02-15")})
    assert pd.to_datetime(out["day"]).between("2021-02-01", "2021-02-15").all()


# -- columns whose values are not learned (SDV issue 1994) --------------------


@pytest.mark.parametrize("wanted", [1005, (1000, 1010)])
def test_an_identifier_column_cannot_be_a_condition(
    shop: SyntheticGenerator, wanted: Any
) -> None:
    # Identifiers are written fresh for every row, so a condition on one
    # would repeat keys; it used to.
    with pytest.raises(InvalidDataError, match=r"'order_id'.*identifier"):
        shop.generate(20, conditions={"order_id": wanted})


@pytest.mark.parametrize(
    ("column", "wanted"), [("store", "south"), ("coupon", "SAVE10")]
)
def test_a_value_a_constant_or_empty_column_never_held_is_refused_at_once(
    shop: SyntheticGenerator, column: str, wanted: str
) -> None:
    with pytest.raises(InvalidDataError, match=rf"'{column}'.*never seen"):
        shop.generate(5, conditions={column: wanted})


def test_the_value_of_a_constant_column_is_a_condition_every_row_meets(
    shop: SyntheticGenerator,
) -> None:
    out = shop.generate(20, conditions={"store": "north", "coupon": None})
    assert (out["store"] == "north").all()
    assert out["coupon"].isna().all()


def test_a_range_on_a_discrete_column_says_ranges_are_for_numbers_and_times(
    shop: SyntheticGenerator,
) -> None:
    with pytest.raises(InvalidDataError, match=r"'size'.*discrete.*one of its values"):
        shop.generate(5, conditions={"size": ("S", "M")})


def test_a_range_on_a_discrete_column_of_numbers_keeps_the_values_inside_it() -> None:
    # A count learned as discrete: a range on it still means the numbers
    # inside the range.
    frame = shop_frame()[["basket", "size"]].assign(
        children=np.random.default_rng(1).integers(0, 5, ROWS)
    )
    generator = SyntheticGenerator("gaussian_copula", seed=3)
    generator.fit(frame, discrete_columns=["children"])
    assert generator.metadata_["children"].is_discrete

    out = generator.generate(40, conditions={"children": (1, 2.5)})
    assert len(out) == 40
    assert set(out["children"]) <= {1, 2}
    with pytest.raises(InvalidDataError, match=r"'children'.*no value seen"):
        generator.generate(5, conditions={"children": (7, 9)})


def test_in_a_column_of_several_types_a_condition_asks_for_its_own_type() -> None:
    # Python counts True == 1 == 1.0: {"flag": 1} matched the first seen of
    # them, so it asked for True, and the rows kept also held True and 1.0.
    cells = [True, 1, 1.0, False, 0, "yes"]
    frame = pd.DataFrame(
        {"flag": pd.Series(cells * 50, dtype=object), "x": np.arange(300.0)}
    )
    generator = SyntheticGenerator("gaussian_copula", seed=3)
    with pytest.warns(UserWarning, match="mixes value types"):
        generator.fit(frame)

    for wanted in cells:
        out = generator.generate(20, conditions={"flag": wanted})["flag"]
        assert [(type(v), v) for v in out] == [(type(wanted), wanted)] * 20


def test_one_asks_for_true_in_a_column_of_booleans_alone() -> None:
    frame = pd.DataFrame({"flag": [True, False] * 50, "x": np.arange(100.0)})
    generator = SyntheticGenerator("gaussian_copula", seed=3).fit(frame)

    out = generator.generate(20, conditions={"flag": 1})["flag"]
    assert out.dtype == bool and out.all()


# -- the conditions argument itself (SDV sample_remaining_columns) ------------


@pytest.mark.parametrize(
    "conditions", [pd.DataFrame({"size": ["S", "M"]}), [("size", "S")]]
)
def test_conditions_that_are_not_a_mapping_are_refused_naming_the_type(
    shop: SyntheticGenerator, conditions: Any
) -> None:
    with pytest.raises(InvalidDataError, match=type(conditions).__name__):
        shop.generate(5, conditions=conditions)


def test_a_series_of_column_values_is_a_mapping(shop: SyntheticGenerator) -> None:
    out = shop.generate(10, conditions=pd.Series({"size": "L"}))
    assert (out["size"] == "L").all()


def test_streaming_checks_conditions_when_the_iterator_is_made(
    shop: SyntheticGenerator,
) -> None:
    with pytest.raises(InvalidDataError, match="'weight'"):
        shop.iter_batches(10, conditions={"weight": (1, 2)})


# -- the neural methods -------------------------------------------------------


@pytest.mark.parametrize("method", ["ctgan", "tvae"])
def test_neural_methods_meet_a_missing_condition_on_a_numeric_column(
    method: str,
) -> None:
    pytest.importorskip("genesis_torch")
    real = shop_frame().drop(columns=["coupon"])
    generator = SyntheticGenerator(method, config={"epochs": 1}, seed=0).fit(real)
    out = generator.generate(20, conditions={"rating": None, "size": "M"})
    assert out["rating"].isna().all()
    assert (out["size"] == "M").all()


def test_messages_about_conditions_suggest_the_value_and_fit_the_method() -> None:
    # Found by a new user on loans: grade 'e' named no 'E', and an
    # impossible copula condition advised "fit with more epochs", which a
    # copula does not have.
    table = pd.DataFrame(
        {
            "grade": list("ABCDE") * 40,
            "state": ["Texas", "Utah", "Ohio", "Iowa", "Maine"] * 40,
            "x": np.arange(200.0),
        }
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(table)
    for wanted, meant in (("e", "E"), ("texas ", "Texas"), ("Teaxs", "Texas")):
        column = "grade" if meant == "E" else "state"
        with pytest.raises(InvalidDataError, match=f"did you mean {meant!r}"):
            generator.generate(3, conditions={column: wanted})
    with pytest.raises(InvalidDataError) as unseen:
        generator.generate(3, conditions={"state": "Nowhere"})
    assert "did you mean" not in str(unseen.value)
    with pytest.raises(ConditionNotMetError) as rare:
        generator.generate(10, conditions={"x": (10.2, 10.4)})
    assert "epochs" not in str(rare.value)


def test_a_value_written_as_another_type_is_named_as_such() -> None:
    # {"year": "2008"} said "never seen in training; seen values include
    # [2007, 2008, 2009]".
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "year": rng.choice([2007, 2008, 2009], 120),
            "code": rng.choice(["10", "20"], 120),
            "x": rng.normal(size=120),
        }
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(
        table, discrete_columns=["year"]
    )
    with pytest.raises(InvalidDataError, match="is text, but the column holds 2008"):
        generator.generate(3, conditions={"year": "2008"})
    with pytest.raises(InvalidDataError, match=r"holds '10' as text: write '10'"):
        generator.generate(3, conditions={"code": 10})
