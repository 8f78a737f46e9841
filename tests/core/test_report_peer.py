"""Shapes that broke peers' quality reports, run against ours.

Each test names the peer issue whose input it rebuilds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.evaluation import evaluate
from genesis.evaluation._features import MAX_CLASSES


def normal_frame(rows: int, seed: int, columns: int = 1) -> pd.DataFrame:
    values = np.random.default_rng(seed).normal(size=(rows, columns))
    return pd.DataFrame(values, columns=[f"x{i}" for i in range(columns)])


# SDMetrics 742: a DCR baseline that scores fresh data as too close. Fresh
# draws from the real distribution are as far from the real rows as the real
# rows are from each other, so about half of them fall under the median.
def test_fresh_draws_of_one_number_column_do_not_hug_the_real_rows() -> None:
    real, synthetic = normal_frame(400, seed=1), normal_frame(400, seed=2)

    section = evaluate(real, synthetic, properties=["privacy"]).privacy

    # 400 draws: the share of a fair coin stays within 0.4-0.6 nearly always.
    assert 0.4 < section["dcr"]["closer_share"] < 0.6


def test_membership_attack_on_one_number_column_is_near_chance() -> None:
    real, holdout = normal_frame(400, seed=1), normal_frame(400, seed=3)
    synthetic = normal_frame(400, seed=2)

    section = evaluate(real, synthetic, holdout=holdout, properties=["privacy"])

    # No row was copied, so the attack is a coin: 0.5 give or take noise.
    assert 0.4 < section.privacy["membership_inference"]["auc"] < 0.6


# A one-column table (the sdmetrics single-column reports) with that column as
# the target: the model got zero features and scikit-learn raised its own
# error instead of ours.
@pytest.mark.parametrize("ml_model", ["linear", "auto"])
def test_a_target_with_no_other_column_to_learn_from_is_refused(
    ml_model: str,
) -> None:
    rng = np.random.default_rng(4)
    real = pd.DataFrame({"grade": rng.choice(["A", "B"], 60)})
    synthetic = pd.DataFrame({"grade": rng.choice(["A", "B"], 60)})

    with pytest.raises(InvalidDataError, match=r"target 'grade' is the only"):
        evaluate(real, synthetic, target="grade", ml_model=ml_model)


# SDMetrics 589: high-cardinality categories made a metric slow. Here a target
# of thousands of values meant one model per class and minutes of work; the
# rarest classes now share one "(other)" class.
def test_a_target_with_many_categories_keeps_the_most_frequent_classes() -> None:
    rng = np.random.default_rng(5)
    n_rows = 1_500
    labels = np.array([f"city_{i:03d}" for i in range(300)])
    codes = np.minimum(rng.geometric(0.08, n_rows) - 1, 299)
    real = pd.DataFrame({"city": labels[codes], "x": codes + rng.normal(size=n_rows)})
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)

    report = evaluate(
        real, synthetic, target="city", ml_model="linear", properties=["ml_efficacy"]
    )

    classes = report.ml_efficacy["classes"]
    assert classes[:3] == ["city_000", "city_001", "city_002"]
    assert classes[-1] == "(other)" and len(classes) == MAX_CLASSES + 1


# SDV 645 and SDMetrics 135: a target with missing values broke the learning
# library. Some missing is scored on the rest; none observed is refused.
@pytest.mark.parametrize("where", ["real", "holdout"])
@pytest.mark.parametrize("values", [["a", "b"], [1.5, 2.5]])
def test_a_target_with_no_observed_value_is_refused_naming_it(
    where: str, values: list[object]
) -> None:
    rng = np.random.default_rng(6)
    tables = {
        role: pd.DataFrame({"x": rng.normal(size=40), "t": rng.choice(values, 40)})
        for role in ("real", "synthetic", "holdout")
    }
    tables[where]["t"] = None

    with pytest.raises(InvalidDataError, match=rf"target 't' .* {where}"):
        evaluate(
            tables["real"],
            tables["synthetic"],
            holdout=tables["holdout"],
            target="t",
            ml_model="linear",
        )


# -- wide tables in the HTML page ---------------------------------------------


def test_the_html_page_plots_the_weakest_columns_it_is_asked_for() -> None:
    # One plot per column took about a quarter of a second to draw: a page
    # for 120 columns took two minutes. Every column keeps its score row.
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    real = pd.DataFrame({f"c{i}": rng.normal(size=200) for i in range(5)})
    synthetic = real.copy()
    synthetic["c3"] = rng.normal(3, 1, 200)  # the weakest by far
    report = evaluate(real, synthetic)

    page = report.to_html(max_plots=1)
    assert page.count('class="column-plot"') == 1
    assert page.count("<tr><td>") >= 5
    assert "the 1 weakest of 5 columns" in page
    # The one plotted, and linked from its row, is the weakest.
    weakest = next(row for row in page.split("<tr>") if ">c3<" in row)
    assert 'href="#col-3"' in weakest

    assert report.to_html(max_plots=None).count('class="column-plot"') == 5
    with pytest.raises(InvalidConfigError, match="max_plots"):
        report.to_html(max_plots=-1)
