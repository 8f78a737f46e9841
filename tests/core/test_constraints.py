"""Constraints: rules every real row keeps, kept by every generated row."""

from __future__ import annotations

import importlib.util
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import (
    ConditionNotMetError,
    InvalidConfigError,
    InvalidDataError,
    SyntheticGenerator,
)
from genesis.constraints import FixedCombinations, Inequality, Range
from genesis.datasets import load_adult
from genesis.metadata import TableMetadata

N_ROWS = 400


def loans_frame(n: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    """A table with the rules of a loan book, and missing values on both sides."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01", tz="Europe/Paris") + pd.to_timedelta(
        rng.integers(0, 300 * 24, n), unit="h"
    )
    end = start + pd.to_timedelta(rng.integers(0, 90 * 24, n), unit="h")
    loan = rng.integers(1_000, 40_000, n)
    city = rng.choice(["Austin", "Dallas", "Boston", "Salem"], n)
    frame = pd.DataFrame(
        {
            "start": start.astype("datetime64[s, Europe/Paris]"),
            "end": end.astype("datetime64[s, Europe/Paris]"),
            "loan": pd.array(loan, dtype="Int64"),
            "paid": pd.array(loan - rng.integers(0, 1_000, n), dtype="Int64"),
            "funded": (loan * rng.uniform(0.6, 1.0, n)).round(2),
            "rate": rng.uniform(2, 9, n).round(2).astype("float32"),
            "max_rate": (rng.uniform(9, 15, n)).round(2),
            "age": rng.integers(18, 100, n),
            "city": pd.Series(city, dtype="category"),
            "state": pd.Series(
                np.where(np.isin(city, ["Austin", "Dallas"]), "TX", "MA"),
                dtype="string",
            ),
        }
    )
    # The rate gap is sometimes small, so an unconstrained model breaks it.
    frame["max_rate"] = (frame["rate"] + 0.01 + rng.gamma(1.0, 0.5, n)).round(2)
    frame.loc[::7, "start"] = pd.NaT
    frame.loc[3::11, "end"] = pd.NaT
    frame.loc[::13, "paid"] = pd.NA
    frame.loc[2::9, "funded"] = np.nan
    frame.loc[5::17, "city"] = np.nan
    return frame


LOAN_RULES = [
    Inequality("start", "end"),
    Inequality("paid", "loan"),
    Inequality("funded", "loan"),
    Inequality("rate", "max_rate", strict=True),
    Range("age", low=18, high=99),
    FixedCombinations(["city", "state"]),
]


def broken_share(frame: pd.DataFrame, low: str, high: str) -> float:
    return float((frame[low] > frame[high]).mean())


def combinations_of(frame: pd.DataFrame, columns: list[str]) -> set[tuple]:
    return set(frame[columns].dropna().itertuples(index=False, name=None))


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return loans_frame()


@pytest.fixture(scope="module")
def fitted(loans: pd.DataFrame) -> SyntheticGenerator:
    generator = SyntheticGenerator(
        method="gaussian_copula", seed=0, constraints=LOAN_RULES
    )
    return generator.fit(loans, progress=False)


def assert_meets_loan_rules(synthetic: pd.DataFrame, real: pd.DataFrame) -> None:
    assert broken_share(synthetic, "start", "end") == 0
    assert broken_share(synthetic, "paid", "loan") == 0
    assert broken_share(synthetic, "funded", "loan") == 0
    assert (synthetic["rate"] < synthetic["max_rate"]).all()
    assert synthetic["age"].between(18, 99).all()
    seen = combinations_of(real, ["city", "state"])
    assert combinations_of(synthetic, ["city", "state"]) <= seen


def test_unconstrained_model_breaks_the_rules(loans: pd.DataFrame) -> None:
    # The baseline the constraints are measured against: without them the
    # copula breaks each inequality in a visible share of rows.
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    synthetic = generator.fit(loans, progress=False).generate(2_000)
    assert broken_share(synthetic, "start", "end") > 0.05
    assert broken_share(synthetic, "paid", "loan") > 0.05
    assert broken_share(synthetic, "funded", "loan") > 0.02
    assert (synthetic["rate"] >= synthetic["max_rate"]).mean() > 0.01


def test_generated_rows_meet_every_constraint(
    fitted: SyntheticGenerator, loans: pd.DataFrame
) -> None:
    assert_meets_loan_rules(fitted.generate(2_000), loans)


def test_inequalities_hold_by_transform_not_by_rejection(
    fitted: SyntheticGenerator,
) -> None:
    # The model sees the gap, so rows restored from it already meet the
    # inequalities before any row is rejected. "loan" already holds the gap
    # to "paid"; a float gap does not fit the integer "loan", so "funded"
    # holds its gap.
    transformed = {c.transformed_column for c in fitted._constraints}
    assert {"end", "loan", "funded", "max_rate"} <= transformed
    rng = np.random.default_rng(5)
    rows = fitted._restore(fitted._impl.generate(2_000, rng=rng), 2_000, rng)
    assert broken_share(rows, "start", "end") == 0
    assert broken_share(rows, "paid", "loan") == 0
    assert broken_share(rows, "funded", "loan") == 0
    assert (rows["rate"] < rows["max_rate"]).all()


def test_constraints_keep_dtypes_order_and_missing_rates(
    fitted: SyntheticGenerator, loans: pd.DataFrame
) -> None:
    synthetic = fitted.generate(3_000)

    assert list(synthetic.columns) == list(loans.columns)
    assert synthetic.dtypes.to_dict() == loans.dtypes.to_dict()
    # Sampling noise on 3,000 rows is about 0.01; rejection must not skew
    # the missing rates further than that.
    for column in ("start", "end", "paid", "funded", "city"):
        real, made = loans[column].isna().mean(), synthetic[column].isna().mean()
        assert abs(real - made) < 0.03, column


def test_rows_missing_one_side_keep_their_other_value(loans: pd.DataFrame) -> None:
    # Every training row lacking "start" has an "end" far outside the gaps'
    # range; such rows must come back with their own values, not gaps.
    frame = loans.copy()
    frame.loc[frame["start"].isna(), "end"] = pd.Timestamp(
        "2030-01-01", tz="Europe/Paris"
    )
    generator = SyntheticGenerator(
        method="gaussian_copula", seed=1, constraints=[Inequality("start", "end")]
    )
    synthetic = generator.fit(frame, progress=False).generate(2_000)

    lone = synthetic[synthetic["start"].isna() & synthetic["end"].notna()]
    assert len(lone) > 100
    assert (lone["end"].dt.year >= 2021).mean() > 0.5
    assert broken_share(synthetic, "start", "end") == 0


def test_training_data_breaking_a_constraint_is_refused(loans: pd.DataFrame) -> None:
    frame = loans.copy()
    frame.loc[[4, 8], "loan"] = 1
    generator = SyntheticGenerator(
        method="gaussian_copula", constraints=[Inequality("paid", "loan")]
    )
    with pytest.raises(InvalidDataError) as error:
        generator.fit(frame, progress=False)
    message = str(error.value)
    assert "Inequality('paid', 'loan')" in message
    assert "2 of 400 rows" in message
    assert "index 4" in message
    # The user's frame is left as it was given.
    assert frame.loc[4, "loan"] == 1


def test_a_refused_row_is_shown_in_plain_values() -> None:
    frame = pd.DataFrame({"age": [20, 30, 10, 40] * 10}).sample(frac=1, random_state=0)
    generator = SyntheticGenerator(
        method="gaussian_copula", constraints=[Range("age", 18, 99)]
    )

    with pytest.raises(InvalidDataError) as error:
        generator.fit(frame, progress=False)

    # Not "index np.int64(2): {'age': np.int64(10)}".
    assert re.search(r"the row with index \d+: \{'age': 10\}", str(error.value))


def test_strict_inequality_refuses_equal_values_in_training() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0] * 10, "b": [2.0, 2.0, 4.0] * 10})
    loose = SyntheticGenerator("gaussian_copula", constraints=[Inequality("a", "b")])
    loose.fit(frame, progress=False)
    strict = SyntheticGenerator(
        "gaussian_copula", constraints=[Inequality("a", "b", strict=True)]
    )
    with pytest.raises(InvalidDataError, match="10 of 30 rows have 'a' >= 'b'"):
        strict.fit(frame, progress=False)


def test_range_breached_in_training_names_the_row(loans: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match=r"Range\('age'.*outside"):
        SyntheticGenerator(constraints=[Range("age", low=21)]).fit(
            loans, progress=False
        )


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (Inequality("paid", "nope"), "which the data does not have"),
        (Inequality("city", "loan"), "dtype category"),
        (Inequality("start", "loan"), "holds datetimes"),
        (Range("city", low=1), "dtype category"),
        (Range("age", low="2020-01-01"), "must be numbers"),
        (Range("start", high=5), "must be dates or times"),
        (FixedCombinations(["city", "rate"]), "'rate' is continuous"),
    ],
)
def test_declarations_that_do_not_fit_the_data_are_refused(
    loans: pd.DataFrame, constraint: object, expected: str
) -> None:
    generator = SyntheticGenerator(constraints=[constraint])
    with pytest.raises(InvalidDataError, match=expected):
        generator.fit(loans, progress=False)


def test_text_that_is_not_dates_is_refused_naming_the_column() -> None:
    frame = pd.DataFrame({"a": ["low", "mid"] * 10, "b": ["2020-03-01"] * 20})
    expected = r"column 'a' has dtype .* modelled as categorical.*update_column"
    with pytest.raises(InvalidDataError, match=expected):
        SyntheticGenerator(constraints=[Inequality("a", "b")]).fit(
            frame, progress=False
        )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: Inequality("a", "a"), "two different columns"),
        (lambda: Range("a"), "needs a low or a high"),
        (lambda: Range("a", low=5, high=1), "low 5 above high 1"),
        (lambda: Range("a", low="soon"), "must be a number or a date"),
        # Text that is no date may be a date misspelt, not only a column.
        (
            lambda: Range("a", low="yesterday"),
            r"written like '2024-01-31'\. If 'yesterday' is another column",
        ),
        (lambda: FixedCombinations(["a"]), "two or more different"),
        (lambda: FixedCombinations("ab"), "list of two or more"),
        (lambda: SyntheticGenerator(constraints=[("a", "b")]), "not a constraint"),
        (lambda: SyntheticGenerator(constraints=Range("a", 1)), "must be a list"),
    ],
)
def test_bad_declarations_are_refused(make, expected: str) -> None:
    with pytest.raises(InvalidConfigError, match=expected):
        make()


def test_conditions_on_constrained_columns_meet_both(
    fitted: SyntheticGenerator, loans: pd.DataFrame
) -> None:
    wanted = {"loan": (5_000, 15_000), "state": "TX", "age": (80, 99)}
    synthetic = fitted.generate(300, conditions=wanted)

    assert synthetic["loan"].between(5_000, 15_000).all()
    assert (synthetic["state"] == "TX").all()
    assert set(synthetic["city"].dropna()) <= {"Austin", "Dallas"}
    assert_meets_loan_rules(synthetic, loans)


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        # The conditions are shown as the user wrote them.
        ({"age": (5, 10)}, r"'age' = \(5, 10\) lies outside Range\('age'"),
        ({"age": 10}, r"'age' = 10 lies outside Range\('age'"),
        (
            {"paid": 9_000, "loan": (1_000, 8_000)},
            r"'paid' = 9000 and 'loan' = \(1000, 8000\) contradict Inequality",
        ),
        ({"city": "Austin", "state": "MA"}, "contradict FixedCombinations"),
    ],
)
def test_conditions_contradicting_a_constraint_are_refused(
    fitted: SyntheticGenerator, conditions: dict, expected: str
) -> None:
    with pytest.raises(InvalidDataError, match=expected):
        fitted.generate(10, conditions=conditions)
    with pytest.raises(InvalidDataError, match=expected):
        fitted.iter_batches(10, conditions=conditions)


@pytest.mark.parametrize(
    ("conditions", "shown"),
    [
        # One value was shown as the range (1234.5, 1234.5) it is checked as.
        ({"funded": 1234.5}, "{'funded': 1234.5}"),
        ({"funded": np.float64(1234.5)}, "{'funded': 1234.5}"),
        ({"funded": [1234.5, 1234.51]}, "{'funded': (1234.5, 1234.51)}"),
        ({"start": "2020-03-01 10:17:13"}, "{'start': '2020-03-01 10:17:13'}"),
    ],
)
def test_rows_too_rare_are_refused_showing_the_conditions_as_written(
    fitted: SyntheticGenerator, conditions: dict, shown: str
) -> None:
    expected = f"met the conditions {re.escape(shown)} and the constraints"
    with pytest.raises(ConditionNotMetError, match=expected):
        fitted.generate(5, conditions=conditions)


def test_constraints_survive_save_and_load(
    fitted: SyntheticGenerator, loans: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "loans.genesis"
    fitted.save(path)
    loaded = SyntheticGenerator.load(path)

    assert [repr(c) for c in loaded.constraints] == [repr(c) for c in LOAN_RULES]
    assert loaded.generate(500, seed=3).equals(fitted.generate(500, seed=3))
    assert_meets_loan_rules(loaded.generate(2_000), loans)
    assert_meets_loan_rules(pickle.loads(pickle.dumps(fitted)).generate(500), loans)
    # The generator fitted copies; the objects the user declared are unchanged.
    assert LOAN_RULES[0].transformed_column is None


def test_streaming_paths_honour_constraints(
    fitted: SyntheticGenerator, loans: pd.DataFrame, tmp_path: Path
) -> None:
    batches = list(fitted.iter_batches(1_500, 400, seed=2))
    assert_meets_loan_rules(pd.concat(batches), loans)

    path = tmp_path / "rows.csv"
    assert fitted.generate_to(path, 1_000, 300, seed=2) == 1_000
    written = pd.read_csv(path)
    assert (written["paid"].dropna() <= written["loan"][written["paid"].notna()]).all()

    if importlib.util.find_spec("dask") is not None:
        lazy = fitted.generate_dask(1_200, 3, seed=2, conditions={"state": "MA"})
        computed = lazy.compute()
        assert (computed["state"] == "MA").all()
        assert_meets_loan_rules(computed, loans)


def test_chained_inequalities_all_hold() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1, 500).round(3)
    b = a + rng.exponential(0.2, 500).round(3)
    c = b + rng.exponential(0.2, 500).round(3)
    frame = pd.DataFrame({"c": c, "a": a, "b": b})
    # Declared out of order: the inverse must still rebuild b before c.
    rules = [Inequality("b", "c"), Inequality("a", "b"), Inequality("a", "c")]
    generator = SyntheticGenerator(method="gaussian_copula", seed=0, constraints=rules)
    synthetic = generator.fit(frame, progress=False).generate(2_000)

    assert (synthetic["a"] <= synthetic["b"]).all()
    assert (synthetic["b"] <= synthetic["c"]).all()
    assert synthetic.dtypes.to_dict() == frame.dtypes.to_dict()


def test_adult_education_pairs_stay_fixed() -> None:
    adult = load_adult().sample(2_000, random_state=0)
    columns = ["education", "education-num"]
    generator = SyntheticGenerator(
        method="gaussian_copula",
        seed=0,
        constraints=[FixedCombinations(columns)],
    )
    synthetic = generator.fit(adult, progress=False).generate(3_000)

    assert combinations_of(synthetic, columns) <= combinations_of(adult, columns)
    # The repair keeps the first column as generated: its frequencies stay
    # those of the data (total variation distance on 3,000 rows).
    real = adult[columns[0]].value_counts(normalize=True)
    made = synthetic[columns[0]].value_counts(normalize=True)
    assert 0.5 * real.sub(made, fill_value=0).abs().sum() < 0.05


def test_neural_method_honours_constraints(loans: pd.DataFrame) -> None:
    if importlib.util.find_spec("genesis_torch") is None:
        pytest.skip("genesis-synth-torch is not installed")
    generator = SyntheticGenerator(
        method="tvae",
        config={"epochs": 1, "batch_size": 100},
        seed=0,
        constraints=LOAN_RULES,
    )
    synthetic = generator.fit(loans, progress=False).generate(500)
    assert_meets_loan_rules(synthetic, loans)
    assert synthetic.dtypes.to_dict() == loans.dtypes.to_dict()


def test_inequality_between_discrete_columns_is_kept_by_rejection() -> None:
    rng = np.random.default_rng(4)
    low = rng.integers(0, 5, 600)
    frame = pd.DataFrame({"low": low, "high": low + rng.integers(0, 2, 600)})
    generator = SyntheticGenerator(
        method="gaussian_copula", seed=0, constraints=[Inequality("low", "high")]
    )
    generator.fit(frame, discrete_columns=["low", "high"], progress=False)
    assert generator._constraints[0].transformed_column is None
    synthetic = generator.generate(1_000)
    assert (synthetic["low"] <= synthetic["high"]).all()
    assert set(synthetic["high"]) <= set(frame["high"])


def test_unseen_combinations_are_found_whatever_the_column_types() -> None:
    real = pd.DataFrame(
        {
            "code": pd.Series([1, "b", 2.5, 1, "b"], dtype=object),
            "flag": [True, False, True, True, False],
            "size": pd.Categorical(["S", "M", "L", "S", "M"]),
        }
    )
    rule = FixedCombinations(["code", "flag", "size"])
    rule._learn(real, TableMetadata.infer(real, ["code", "flag", "size"]))
    rows = pd.DataFrame(
        {
            "code": pd.Series([1, "b", 2.5, "b", None, 1], dtype=object),
            "flag": [True, False, True, True, False, False],
            "size": pd.Categorical(["S", "M", "L", "M", "M", "S"]),
        }
    )

    # Seen, seen, seen, unseen flag, missing (not checked), unseen flag.
    assert rule._broken(rows).tolist() == [False, False, False, True, False, True]
