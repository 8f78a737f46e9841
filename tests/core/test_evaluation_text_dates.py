"""evaluate() on dates stored as text, read as the data plane reads them.

The layout is inferred from the real column, month first unless the values
say day first, and applied to the synthetic column too; no pandas parsing
warning reaches the user.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from genesis.cli import main
from genesis.errors import InvalidDataError
from genesis.evaluation import evaluate

# The first value is ambiguous (both parts 12 or less); the second says the
# column is day first.
DAY_FIRST = ["03/02/2024", "27/01/2024", "18/10/2024", "05/11/2024", "30/06/2024"]


def orders(dates: list[str] | pd.Series, repeat: int = 4) -> pd.DataFrame:
    shipped = list(dates) * repeat
    return pd.DataFrame(
        {"shipped": shipped, "quantity": [i % 7 for i in range(len(shipped))]}
    )


def shipped_score(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """The column-shape score of ``shipped``, with no warning let through."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = evaluate(real, synthetic, properties=())
    shapes = report.column_shapes.set_index("column")
    assert shapes.loc["shipped", "column_type"] == "datetime"
    return float(shapes.loc["shipped", "score"])


def day_first(texts: list[str]) -> pd.Series:
    return pd.Series(pd.to_datetime(texts, format="%d/%m/%Y"))


def test_day_first_text_with_an_ambiguous_first_value_compares_equal() -> None:
    real = orders(DAY_FIRST)

    assert shipped_score(real, real.copy()) == 1.0


def test_day_first_synthetic_text_is_read_in_the_real_layout() -> None:
    # Every synthetic value is ambiguous; only the real column says day first.
    # Read month first, "05/02/2024" would be 2 May, not 5 February.
    ambiguous = [
        f"{d:02d}/{m:02d}/2024" for m in range(1, 13) for d in range(m + 1, 13)
    ]
    real = orders(["13/01/2024", *ambiguous], repeat=1)
    synthetic = orders(ambiguous, repeat=1)

    assert shipped_score(real, synthetic) > 0.95


def test_day_first_real_text_against_synthetic_datetimes() -> None:
    real = orders(DAY_FIRST)
    synthetic = orders(day_first(DAY_FIRST))

    assert shipped_score(real, synthetic) == 1.0


def test_real_datetimes_against_day_first_synthetic_text() -> None:
    real = orders(day_first(DAY_FIRST))
    synthetic = orders(DAY_FIRST)

    assert shipped_score(real, synthetic) == 1.0


def test_iso_synthetic_text_reads_next_to_day_first_real_text() -> None:
    # ISO text is year first, so never ambiguous.
    real = orders(DAY_FIRST)
    synthetic = orders(day_first(DAY_FIRST).dt.strftime("%Y-%m-%d"))

    assert shipped_score(real, synthetic) == 1.0


@pytest.mark.parametrize(
    ("real_dates", "synthetic_dates"),
    [
        (["03/02/2024", "10/18/2024", "01/27/2024"], None),
        (["2024-02-03", "2024-10-18", "2024-01-27"], None),
        (pd.to_datetime(["2024-02-03", "2024-10-18", "2024-01-27"]), None),
        (
            pd.to_datetime(["2024-02-03", "2024-10-18", "2024-01-27"]),
            ["02/03/2024", "10/18/2024", "01/27/2024"],
        ),
    ],
    ids=["month-first", "iso", "datetime64", "datetime64-vs-month-first-text"],
)
def test_other_date_columns_still_compare_equal(
    real_dates: list[str] | pd.DatetimeIndex, synthetic_dates: list[str] | None
) -> None:
    real = orders(real_dates)
    synthetic = orders(real_dates if synthetic_dates is None else synthetic_dates)

    assert shipped_score(real, synthetic) == 1.0


def test_synthetic_text_outside_the_real_layout_names_column_layout_and_value() -> None:
    real = orders(DAY_FIRST)
    synthetic = orders([*DAY_FIRST[:-1], "10/18/2024"])

    with pytest.raises(
        InvalidDataError,
        match=r"'shipped'.*layout '%d/%m/%Y'.*synthetic.*for example '10/18/2024'",
    ):
        shipped_score(real, synthetic)


def test_evaluate_command_reads_day_first_csv_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real, synthetic = tmp_path / "real.csv", tmp_path / "synthetic.csv"
    orders(DAY_FIRST).to_csv(real, index=False)
    orders(list(reversed(DAY_FIRST))).to_csv(synthetic, index=False)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status = main(["evaluate", str(real), str(synthetic)])

    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert printed.err == ""
    assert "Column shapes: 1.000" in printed.out


def test_evaluate_command_refuses_a_date_outside_the_layout_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real, synthetic = tmp_path / "real.csv", tmp_path / "synthetic.csv"
    orders(DAY_FIRST).to_csv(real, index=False)
    orders([*DAY_FIRST[:-1], "10/18/2024"]).to_csv(synthetic, index=False)

    status = main(["evaluate", str(real), str(synthetic)])

    err = capsys.readouterr().err
    assert status == 2
    assert "'shipped'" in err and "'%d/%m/%Y'" in err and "'10/18/2024'" in err


def test_evaluate_command_reads_day_first_dates_of_related_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customers = pd.DataFrame(
        {"customer_id": range(5), "joined": [*reversed(DAY_FIRST)]}
    )
    sales = orders(DAY_FIRST)
    sales.insert(0, "customer_id", [i % 5 for i in range(len(sales))])
    sales.insert(0, "order_id", range(len(sales)))
    for folder in ("real", "synthetic"):
        (tmp_path / folder).mkdir()
        customers.to_csv(tmp_path / folder / "customers.csv", index=False)
        sales.to_csv(tmp_path / folder / "orders.csv", index=False)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status = main(["evaluate", str(tmp_path / "real"), str(tmp_path / "synthetic")])

    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert "Table 'customers': quality 100.0%." in printed.out
    assert "Table 'orders': quality 100.0%." in printed.out
