"""ML efficacy and detection: what models learn from synthetic rows."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
)
from genesis.evaluation import QualityReport, evaluate
from genesis.evaluation._models import roc_auc
from tests.conftest import SHARED_DATA

needs_sklearn = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None,
    reason="scikit-learn (the ml extra) is not installed",
)


def read_shared(name: str) -> pd.DataFrame:
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def adult_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    adult = read_shared("adult.csv").sample(9_000, random_state=21)
    return adult.iloc[:6_000].reset_index(drop=True), adult.iloc[6_000:].reset_index(
        drop=True
    )


@pytest.fixture(scope="module")
def loans_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    loans = read_shared("loans.csv").sample(frac=1.0, random_state=22)
    return loans.iloc[:7_000].reset_index(drop=True), loans.iloc[7_000:].reset_index(
        drop=True
    )


def test_training_on_the_real_rows_again_keeps_all_the_skill(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split

    section = evaluate(
        train,
        train.copy(),
        holdout=holdout,
        target="income",
        properties=["ml_efficacy"],
        ml_model="linear",
    ).ml_efficacy

    assert section["task"] == "classification" and section["test"] == "holdout"
    assert section["real"] == section["synthetic"]
    assert section["score"] == 1.0
    # A linear model on Adult reaches about 0.90 ROC AUC.
    assert 0.85 < section["real"]["roc_auc"] < 0.95


def test_a_target_unrelated_to_the_features_keeps_no_skill(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split
    scrambled = train.copy()
    scrambled["income"] = (
        scrambled["income"].sample(frac=1.0, random_state=1).to_numpy()
    )

    report = evaluate(
        train,
        scrambled,
        holdout=holdout,
        target="income",
        properties=["ml_efficacy"],
        ml_model="linear",
    )

    # Labels shuffled against the features: the synthetic model is near chance.
    assert report.ml_efficacy["synthetic"]["roc_auc"] < 0.56
    assert report.properties["ml_efficacy"] < 0.15
    # The quality score does not include ML efficacy.
    assert report.score == pytest.approx(
        (report.properties["column_shapes"] + report.properties["column_pair_trends"])
        / 2
    )


def test_copula_on_loans_regression_keeps_most_of_the_skill(
    loans_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = loans_split
    synthetic = (
        SyntheticGenerator(method="gaussian_copula", seed=0)
        .fit(train, progress=False)
        .generate(len(train))
    )

    section = evaluate(
        train,
        synthetic,
        holdout=holdout,
        target="interest_rate",
        properties=["ml_efficacy"],
        ml_model="linear",
    ).ml_efficacy

    assert section["task"] == "regression" and section["metric"] == "r2"
    # Grade and sub-grade set the interest rate: a linear model explains
    # nearly all of it from real rows.
    assert section["real"]["r2"] > 0.9
    assert 0.5 < section["score"] <= 1.0


def test_without_holdout_efficacy_tests_on_a_split_of_the_real_rows(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = adult_split

    section = evaluate(
        train, train, target="income", properties=["ml_efficacy"], ml_model="linear"
    ).ml_efficacy

    assert section["test"] == "real split"
    assert section["rows"] == {
        "real_train": 4_200,
        "synthetic_train": 6_000,
        "test": 1_800,
    }


def test_detection_cannot_tell_two_halves_of_the_real_data_apart(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split

    section = evaluate(
        train.iloc[:3_000], holdout, properties=["detection"], ml_model="linear"
    ).detection

    # 3,000 rows a side: chance is 0.5 with a standard error near 0.01.
    assert abs(section["auc"] - 0.5) < 0.04
    assert section["score"] > 0.9


def test_detection_catches_a_shifted_column(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split
    shifted = holdout.copy()
    shifted["age"] = shifted["age"] + 12

    section = evaluate(
        train, shifted, properties=["detection"], ml_model="linear"
    ).detection

    assert section["auc"] > 0.75
    assert section["score"] < 0.5
    assert section["fpr"][0] == 0.0 and section["tpr"][-1] == 1.0


@needs_sklearn
def test_gradient_boosting_sees_a_broken_relation_a_linear_model_misses(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split
    # education and education-num are one-to-one in Adult; shuffling one
    # keeps every column's shape and breaks only that link.
    broken = holdout.copy()
    broken["education-num"] = (
        broken["education-num"].sample(frac=1.0, random_state=2).to_numpy()
    )

    linear, boosted = (
        evaluate(
            train,
            broken,
            properties=["detection"],
            ml_model=model,
            detection_rows=2_000,
        )
        for model in ("linear", "gradient_boosting")
    )

    assert boosted.detection["model"] == "gradient_boosting"
    # About 0.89 against 0.48: the linear model sees each column alone.
    assert boosted.detection["auc"] > 0.8
    assert linear.detection["auc"] < 0.6


def test_gradient_boosting_without_scikit_learn_names_the_extra(
    adult_split: tuple[pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    train, holdout = adult_split
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)

    with pytest.raises(BackendNotAvailableError, match=r"genesis-synth-core\[ml\]"):
        evaluate(train, holdout, target="income", ml_model="gradient_boosting")
    # "auto" uses the core's linear model when scikit-learn is missing.
    report = evaluate(train, holdout, properties=["detection"], ml_model="auto")
    assert report.detection["model"] == "linear"


def test_bad_requests_fail_before_any_work(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split

    with pytest.raises(InvalidConfigError, match="pass target=<column name>"):
        evaluate(train, holdout, properties=["ml_efficacy"])
    with pytest.raises(InvalidConfigError, match=r"\['privacy_score'\]"):
        evaluate(train, holdout, properties=["privacy_score"])
    with pytest.raises(InvalidConfigError, match="ml_model must be one of"):
        evaluate(train, holdout, target="income", ml_model="forest")
    with pytest.raises(InvalidDataError, match="target 'salary' is not a column"):
        evaluate(train, holdout, target="salary")
    with pytest.raises(InvalidDataError, match=r"holdout data lacks columns \['age'\]"):
        evaluate(train, holdout, holdout=holdout.drop(columns="age"))


def test_full_report_round_trips_through_json(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split
    report = evaluate(
        train.iloc[:2_000],
        holdout.iloc[:2_000],
        holdout=holdout.iloc[2_000:],
        target="income",
        ml_model="linear",
    )

    loaded = QualityReport.from_json(report.to_json())

    assert set(report.properties) == {
        "column_shapes",
        "column_pair_trends",
        "ml_efficacy",
        "detection",
        "privacy",
    }
    assert loaded.properties == report.properties
    assert loaded.ml_efficacy == report.ml_efficacy
    assert loaded.detection == report.detection
    assert loaded.privacy == report.privacy
    assert "ML efficacy:" in report.summary() and "Privacy:" in report.summary()


def test_roc_auc_counts_ties_as_half() -> None:
    scores = np.array([0.1, 0.4, 0.4, 0.8])
    positive = np.array([False, False, True, True])

    # Pairs (positive over negative): 0.4>0.1, 0.4=0.4 (half), 0.8>both.
    assert roc_auc(scores, positive) == pytest.approx(3.5 / 4)


def tiny_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "a": rng.integers(0, 10, n),
            "b": rng.normal(size=n),
            "c": rng.choice(list("xyz"), n),
        }
    )


@pytest.mark.parametrize(
    ("n_real", "n_synthetic"), [(200, 1), (1, 200), (1, 1), (200, 2)]
)
def test_tables_of_one_or_two_rows_are_scored_without_detection(
    n_real: int, n_synthetic: int, tmp_path
) -> None:
    # A single synthetic row once reached scikit-learn as an empty fold
    # ("Found array with 0 sample(s)").
    # Synthetic rows from the end: one real row and the same synthetic row
    # cannot be told apart, which detection now scores (1.0) without a model.
    real, synthetic = tiny_frame(200).iloc[:n_real], tiny_frame(200).iloc[-n_synthetic:]
    report = evaluate(real, synthetic, ml_model="linear")
    assert report.detection is not None
    assert report.detection["score"] is None
    assert report.detection["rows_per_class"] == min(n_real, n_synthetic)
    assert "needs at least 3 rows in each table" in report.summary()
    assert np.isfinite(report.score)
    report.to_html(tmp_path / "report.html")


def test_one_real_row_scores_privacy_or_says_why_when_asked() -> None:
    # Privacy used to be dropped with a note, or refused when asked for.
    real, synthetic = tiny_frame(200).iloc[:1], tiny_frame(200)
    report = evaluate(real, synthetic, properties=["privacy"])
    assert report.privacy is not None
    assert np.isnan(report.properties["privacy"])
    assert "Pass a holdout" in report.reasons["privacy"]
