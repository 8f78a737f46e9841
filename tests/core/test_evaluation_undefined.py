"""Every property score is a number or comes with a reason a user can act on."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import pytest

from genesis.errors import InvalidDataError
from genesis.evaluation import QualityReport, evaluate
from tests.conftest import SHARED_DATA

PENGUINS = SHARED_DATA / "penguins.csv"


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    if not PENGUINS.exists():
        pytest.skip("the shared penguins dataset is not available")
    return pd.read_csv(PENGUINS).dropna().reset_index(drop=True)


def assert_every_score_explained(report: QualityReport) -> None:
    """No bare NaN: each missing score has a reason in the report, JSON and HTML."""
    missing = {k for k, v in report.properties.items() if math.isnan(v)}
    assert set(report.reasons) == missing
    assert all(report.reasons[k].strip() for k in missing)
    again = QualityReport.from_json(report.to_json())
    assert again.reasons == report.reasons
    page = report.to_html(max_plots=0)
    for reason in report.reasons.values():
        assert html.escape(reason) in page


def test_holdout_of_one_class_falls_back_to_balanced_accuracy(
    penguins: pd.DataFrame,
) -> None:
    # F22: a holdout of one species printed "ML efficacy: nan".
    train = penguins.sample(200, random_state=0)
    holdout = penguins.drop(train.index)
    holdout = holdout[holdout["species"] == "Gentoo"]
    synthetic = penguins.sample(150, random_state=1)
    report = evaluate(
        train,
        synthetic,
        holdout=holdout,
        target="species",
        properties=["ml_efficacy"],
        ml_model="linear",
    )
    section = report.ml_efficacy
    assert section["metric"] == "balanced_accuracy"
    assert "one class of 'species' ('Gentoo')" in section["metric_note"]
    real = section["real"]["balanced_accuracy"]
    synthetic_skill = section["synthetic"]["balanced_accuracy"]
    chance = 1 / 3
    expected = min(1.0, max(0.0, (synthetic_skill - chance) / (real - chance)))
    assert report.properties["ml_efficacy"] == pytest.approx(expected)
    assert "balanced accuracy" in report.summary()
    assert report.to_dict()["ml_efficacy"]["metric_note"] == section["metric_note"]


def test_one_row_real_table_copied_is_a_privacy_failure(
    penguins: pd.DataFrame,
) -> None:
    # F22: a one-row real table gave "Detection: nan" and no privacy line at
    # all, although every synthetic row copied the real one.
    real = penguins.iloc[:1]
    synthetic = pd.concat([real] * 50, ignore_index=True)
    report = evaluate(real, synthetic, ml_model="linear")
    assert report.properties["privacy"] == 0.0
    assert report.privacy["flagged"]
    assert "100.0% of synthetic rows are exact copies" in report.privacy["flags"][0]
    # Identical rows cannot be told apart: a coin, known without a model.
    assert report.detection["auc"] == 0.5
    assert report.properties["detection"] == 1.0
    assert_every_score_explained(report)


def test_one_row_real_table_with_a_few_copies_is_still_flagged(
    penguins: pd.DataFrame,
) -> None:
    real = penguins.iloc[:1]
    synthetic = pd.concat([real] * 10 + [penguins.iloc[100:130]], ignore_index=True)
    report = evaluate(real, synthetic, properties=["privacy"])
    # 10 of 40 rows copy the real row, against none expected: 1 - 0.25.
    assert report.properties["privacy"] == pytest.approx(0.75)
    assert "distance" in report.privacy["unscored"]


@pytest.mark.parametrize("n_real", [1, 2])
def test_detection_on_tables_under_three_rows_says_why(
    penguins: pd.DataFrame, n_real: int
) -> None:
    real = penguins.iloc[:n_real]
    report = evaluate(real, penguins.iloc[50:90], properties=["detection"])
    assert math.isnan(report.properties["detection"])
    assert report.reasons["detection"] == (
        "Detection cross-validates a classifier over 3 folds, which needs at "
        f"least 3 rows in each table; the real data has {n_real}."
    )
    assert_every_score_explained(report)


def test_constant_category_target_gives_a_reason_not_a_score(
    penguins: pd.DataFrame,
) -> None:
    # Balanced accuracy on one class would read 100% for both models here;
    # a real model that saw one class has no skill to keep.
    frame = penguins.assign(island="Biscoe")
    report = evaluate(
        frame,
        frame.sample(100, random_state=3),
        target="island",
        properties=["ml_efficacy"],
        ml_model="linear",
    )
    assert math.isnan(report.properties["ml_efficacy"])
    assert "hold one class of 'island'" in report.reasons["ml_efficacy"]
    assert report.ml_efficacy["metric_note"] is None
    assert_every_score_explained(report)


def test_constant_numeric_target_gives_a_reason_not_a_score(
    penguins: pd.DataFrame,
) -> None:
    frame = penguins.assign(body_mass_g=4000.0)
    report = evaluate(
        frame,
        frame.sample(100, random_state=3),
        target="body_mass_g",
        properties=["ml_efficacy"],
        ml_model="linear",
    )
    assert math.isnan(report.properties["ml_efficacy"])
    assert "R² is undefined" in report.reasons["ml_efficacy"]
    assert_every_score_explained(report)


@pytest.mark.parametrize("n_real", [1, 2, 5])
def test_tiny_real_tables_give_numbers_or_reasons(
    penguins: pd.DataFrame, n_real: int
) -> None:
    real = penguins.iloc[[0, 200, 300, 1, 201][:n_real]]
    report = evaluate(real, penguins.iloc[20:80], target="species", ml_model="linear")
    assert set(report.properties) == {
        "column_shapes",
        "column_pair_trends",
        "ml_efficacy",
        "detection",
        "privacy",
    }
    assert_every_score_explained(report)


def test_all_missing_columns_give_a_reason() -> None:
    real = pd.DataFrame({"x": [np.nan] * 6})
    synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    report = evaluate(real, synthetic, properties=[])
    assert math.isnan(report.properties["column_shapes"])
    assert "no observed real values" in report.reasons["column_shapes"]
    assert "one scored column" in report.reasons["column_pair_trends"]
    assert_every_score_explained(report)


def test_constant_numeric_columns_give_a_pair_reason() -> None:
    real = pd.DataFrame({"x": [1.0] * 6, "y": [2.0] * 6})
    synthetic = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    report = evaluate(real, synthetic, properties=[])
    # KS: 'x' real all 1 against synthetic 1 and 2 is 0.5; 'y' misses fully.
    assert report.properties["column_shapes"] == 0.25
    assert "'x' is constant in the real data" in report.reasons["column_pair_trends"]
    assert_every_score_explained(report)


@pytest.mark.parametrize("empty", ["real", "synthetic"])
def test_tables_of_zero_rows_are_refused_by_name(
    penguins: pd.DataFrame, empty: str
) -> None:
    tables = {"real": penguins, "synthetic": penguins}
    tables[empty] = penguins.iloc[:0]
    with pytest.raises(InvalidDataError, match=f"The {empty} data has 0 rows"):
        evaluate(tables["real"], tables["synthetic"])
