"""A generated database with empty tables gets numbers or reasons, never a crash."""

from __future__ import annotations

import html
import json
import math

import pandas as pd
import pytest

from genesis.evaluation import evaluate_multitable
from genesis.evaluation._multitable import MultiTableReport
from tests.core.test_multitable import shop_schema, shop_tables


@pytest.fixture(scope="module")
def shop() -> dict[str, pd.DataFrame]:
    return shop_tables(40)


def assert_every_score_explained(report: MultiTableReport) -> None:
    missing = {k for k, v in report.properties.items() if math.isnan(v)}
    assert set(report.reasons) == missing
    assert json.loads(report.to_json())["reasons"] == report.reasons
    page = report.to_html()
    for reason in report.reasons.values():
        assert html.escape(reason) in page
        assert reason in report.summary()


def test_synthetic_child_table_with_no_rows_scores_zero_quality(
    shop: dict[str, pd.DataFrame],
) -> None:
    # It used to be left out of the mean: per-table quality read 100%.
    synthetic = {**shop, "items": shop["items"].iloc[:0]}
    report = evaluate_multitable(shop, synthetic, shop_schema())
    # customers and orders are copies (1.0 each); items has no rows (0.0).
    assert report.properties["table_quality"] == pytest.approx(2 / 3)
    assert "no rows" in report.info["tables_not_scored"]["items"]
    assert_every_score_explained(report)


def test_synthetic_parent_table_with_no_rows_is_scored_not_raised(
    shop: dict[str, pd.DataFrame],
) -> None:
    # It raised "The synthetic data has 0 rows and 4 columns", naming no table.
    synthetic = {
        **shop,
        "orders": shop["orders"].iloc[:0],
        "items": shop["items"].iloc[:0],
    }
    report = evaluate_multitable(shop, synthetic, shop_schema())
    assert report.properties["table_quality"] == pytest.approx(1 / 3)
    assert math.isnan(report.properties["referential_integrity"])
    assert "no synthetic child row" in report.reasons["referential_integrity"].lower()
    assert_every_score_explained(report)


def test_real_tables_with_no_rows_are_named_not_scored(
    shop: dict[str, pd.DataFrame],
) -> None:
    real = {**shop, "orders": shop["orders"].iloc[:0], "items": shop["items"].iloc[:0]}
    report = evaluate_multitable(real, shop, shop_schema())
    assert report.properties["table_quality"] == 1.0
    assert report.info["tables_not_scored"]["orders"] == (
        "the real table has no rows to compare with"
    )
    assert_every_score_explained(report)


def test_an_empty_synthetic_database_says_why_each_score_is_missing(
    shop: dict[str, pd.DataFrame],
) -> None:
    synthetic = {name: table.iloc[:0] for name, table in shop.items()}
    report = evaluate_multitable(shop, synthetic, shop_schema())
    assert report.properties["table_quality"] == 0.0
    assert report.reasons["cardinality"].startswith(
        "No relationship has parent rows in both databases"
    )
    assert_every_score_explained(report)
