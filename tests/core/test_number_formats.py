"""Numbers written as text ("$1,234.50", "13.5%") are learned as numbers.

A new user's CSV of rates and amounts came back as copies of real rows: each
text was a category. These tests pin that such text is read as numbers in
the layout the column shares, generated back in exactly that layout, and
that ambiguous or mixed text stays text.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.cli import main
from genesis.errors import InvalidDataError
from genesis.evaluation import evaluate
from genesis.metadata import ColumnMetadata, ColumnType, TableMetadata

COPULA = ("gaussian_copula",)
ROWS = 400


def money_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """The new user's table: a rate in percent and an amount in dollars,
    with amounts correlated to rates so the model has something to learn."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(5, 25, rows)
    amount = rng.lognormal(6.5, 0.8, rows) * (1 + rate / 25)
    return pd.DataFrame(
        {
            "rate": [f"{r:.1f}%" for r in rate],
            "amount": [f"${a:,.2f}" for a in amount],
        }
    )


def as_number(texts: pd.Series) -> pd.Series:
    """The test's own reading of US-style text, independent of Genesis."""
    cleaned = texts.str.replace(r"[$,%]", "", regex=True)
    negative = cleaned.str.startswith("(")
    numbers = cleaned.str.strip("()").astype(float)
    return numbers.where(~negative, -numbers)


# -- inference ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "layout"),
    [
        (
            ["13.5%", "7.0%", "22.1%"],
            {"suffix": "%", "thousands": "", "decimals": 1, "fixed": True},
        ),
        (
            ["13.5%", "7%", "22.25%"],
            {"suffix": "%", "decimals": 2, "fixed": False},
        ),
        (
            ["$1,234.50", "$12.00", "$5,000,000.10"],
            {"prefix": "$", "thousands": ",", "decimal": ".", "decimals": 2},
        ),
        (
            ["($12.00)", "$5.00", "($1,234.56)"],
            {"prefix": "$", "thousands": ",", "negative": "parentheses"},
        ),
        (["$-12.00", "$5.00"], {"prefix": "$", "negative": "minus_after_prefix"}),
        (["-$12.00", "$5.00"], {"prefix": "$", "negative": "minus"}),
        (
            ["€ 12,50", "€ 1.234,00", "€ 0,99"],
            {"prefix": "€ ", "thousands": ".", "decimal": ","},
        ),
        (
            ["1 234,50 €", "12,00 €"],
            {"suffix": " €", "thousands": " ", "decimal": ","},
        ),
        (["12 USD", "1,200 USD"], {"suffix": " USD", "thousands": ","}),
        (["CHF 1'234.50", "CHF 12.00"], {"prefix": "CHF ", "thousands": "'"}),
        (["1\u00a0234,5 %", "12,0 %"], {"suffix": " %", "thousands": "\u00a0"}),
        (["1,234,567", "12,500", "950"], {"prefix": "", "thousands": ","}),
        (["3,5", "12,25", "0,5"], {"thousands": "", "decimal": ",", "fixed": False}),
    ],
)
def test_text_of_numbers_in_one_layout_is_inferred_continuous(
    values: list[str], layout: dict[str, object]
) -> None:
    frame = pd.DataFrame({"v": pd.Series(values * 5, dtype=object)})

    column = TableMetadata.infer(frame)["v"]

    assert column.column_type == ColumnType.CONTINUOUS
    assert {key: column.number_format[key] for key in layout} == layout


@pytest.mark.parametrize(
    "values",
    [
        # 1,234 is 1234 with a thousands comma or 1.234 with a decimal comma.
        ["1,234", "12,500", "3,000"],
        # Not all values carry the unit.
        ["$12.00", "12.00", "$3.50"],
        # Decimals written two ways: 12.50 keeps its zero, 3.5 drops it.
        ["12.50%", "3.5%"],
        # pandas reads these itself; a user who kept them text meant it.
        ["12.5", "3.25", "-1"],
        # Keys, labels, dates, versions and words with numbers in them.
        ["C12", "C13", "C14"],
        ["#12", "#13"],
        ["ID 12", "ID 13"],
        ["Room 12", "Room 13"],
        ["note number 1 about this", "note number 2 about this"],
        ["2021-03-04", "2021-03-05"],
        ["1.2.3", "1.2.4"],
        ["12th", "HS-grad"],
        # Indian grouping writes back differently from groups of three.
        ["12,34,567", "1,00,000"],
        # Leading zeros would be lost.
        ["007%", "012%"],
        # Labels of bins and thresholds, and one text alone: adult's income
        # of one row ("<=50K") was read as the number 50 with a unit.
        ["<=50K", ">50K"],
        ["<=50K"],
        ["<5", "<10", "<20"],
        ["18+", "30+", "65+"],
        ["~10", "~12"],
    ],
)
def test_ambiguous_or_mixed_text_stays_text(values: list[str]) -> None:
    frame = pd.DataFrame({"v": pd.Series(values * 5, dtype=object)})

    column = TableMetadata.infer(frame)["v"]

    assert column.column_type != ColumnType.CONTINUOUS
    assert column.number_format is None


def test_missing_values_and_pandas_string_dtype_are_read() -> None:
    frame = pd.DataFrame(
        {
            "a": pd.Series(["$1.00", None, "$2,500.00"] * 4, dtype="string"),
            "b": pd.Series(["5%", np.nan, "7%"] * 4, dtype=object),
        }
    )
    metadata = TableMetadata.infer(frame)

    assert metadata["a"].number_format["prefix"] == "$"
    assert metadata["b"].number_format["suffix"] == "%"


# -- generation -----------------------------------------------------------------


@pytest.fixture(scope="module")
def money() -> pd.DataFrame:
    return money_frame()


@pytest.fixture(scope="module")
def copula_out(money: pd.DataFrame) -> pd.DataFrame:
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(money, progress=False)
    return generator.generate(2_000, seed=1)


def test_generated_values_are_written_in_the_column_layout(
    money: pd.DataFrame, copula_out: pd.DataFrame
) -> None:
    amounts = r"\$[1-9][0-9]{0,2}(,[0-9]{3})*\.[0-9]{2}"
    rates = r"[1-9][0-9]?\.[0-9]%"
    # Copies of real texts would keep the layout trivially; the new values
    # are the ones Genesis wrote.
    new = copula_out["amount"][~copula_out["amount"].isin(money["amount"])]

    assert len(new) > 0.9 * len(copula_out)
    assert new.str.fullmatch(amounts).all()
    assert copula_out["rate"].str.fullmatch(rates).all()
    assert copula_out["amount"].dtype == money["amount"].dtype


def test_the_distribution_of_numbers_is_learned_not_copied(
    money: pd.DataFrame, copula_out: pd.DataFrame
) -> None:
    real, synthetic = as_number(money["amount"]), as_number(copula_out["amount"])

    # Mean and spread of 2,000 draws from a fitted copula: within 5% of the
    # real ones (as categories they matched too, but only by copying).
    assert abs(synthetic.mean() / real.mean() - 1) < 0.05
    assert abs(synthetic.std() / real.std() - 1) < 0.05
    # New amounts, not real ones: as categories the share was 0.
    assert (~copula_out["amount"].isin(money["amount"])).mean() > 0.9
    # The range of the real values is kept.
    assert real.min() <= synthetic.min() and synthetic.max() <= real.max()
    # The dependence between rate and amount survives.
    real_corr = np.corrcoef(as_number(money["rate"]), real)[0, 1]
    synthetic_corr = np.corrcoef(as_number(copula_out["rate"]), synthetic)[0, 1]
    assert abs(real_corr - synthetic_corr) < 0.1


def test_negatives_and_missing_cells_are_written_as_the_column_wrote_them() -> None:
    rng = np.random.default_rng(3)
    numbers = rng.normal(0, 500, 300)
    texts = [f"(${-n:,.2f})" if n < 0 else f"${n:,.2f}" for n in numbers]
    column = pd.Series(texts, dtype=object)
    column[::10] = None
    real = pd.DataFrame({"balance": column})

    out = SyntheticGenerator("gaussian_copula", seed=0).fit(real, progress=False)
    balance = out.generate(1_000, seed=2)["balance"]

    layout = r"\(?\$[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}\)?"
    present = balance[balance.notna()]
    assert (~present.isin(real["balance"])).mean() > 0.9
    assert present.str.fullmatch(layout).all()
    assert (present.str.startswith("(") == present.str.endswith(")")).all()
    # About half negative, as the real ones; a tenth missing, kept as None.
    assert 0.35 < present.str.startswith("(").mean() < 0.65
    assert 0.05 < balance.isna().mean() < 0.15
    assert all(value is None for value in balance[balance.isna()])


def test_decimal_comma_layout_round_trips() -> None:
    rng = np.random.default_rng(4)
    values = rng.uniform(0, 20_000, 300)
    texts = [
        f"{v:,.2f} €".replace(",", "_").replace(".", ",").replace("_", ".")
        for v in values
    ]
    real = pd.DataFrame({"price": texts})

    out = SyntheticGenerator("gaussian_copula", seed=0).fit(real, progress=False)
    price = out.generate(500, seed=0)["price"]

    assert (~price.isin(real["price"])).mean() > 0.9
    assert price.str.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})*,[0-9]{2} €").all()
    numbers = price.str.removesuffix(" €").str.replace(".", "").str.replace(",", ".")
    assert 0 <= numbers.astype(float).min() and numbers.astype(float).max() <= 20_000


@pytest.mark.parametrize("method", ["ctgan", "tvae"])
def test_neural_methods_learn_text_numbers(method: str, money: pd.DataFrame) -> None:
    pytest.importorskip("genesis_torch")
    generator = SyntheticGenerator(method, config={"epochs": 2}, seed=0)
    out = generator.fit(money, progress=False).generate(300, seed=0)

    assert out["amount"].str.fullmatch(r"\$[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}").all()
    assert out["rate"].str.fullmatch(r"[0-9]{1,2}\.[0-9]%").all()
    # Two epochs learn little (CTGAN piles many rows at the lowest amount),
    # but the values are numbers, not copies of real texts: as categories
    # the share of new ones was 0.
    assert (~out["amount"].isin(money["amount"])).mean() > 0.3


def test_loans_written_as_money_learn_as_the_numbers_do(shared_data: Path) -> None:
    loans = pd.read_csv(shared_data / "loans.csv", nrows=2_000)
    numbers = loans[["loan_amount", "interest_rate", "installment"]]
    texts = pd.DataFrame(
        {
            "loan_amount": [f"${v:,.0f}" for v in numbers["loan_amount"]],
            "interest_rate": [f"{v:.2f}%" for v in numbers["interest_rate"]],
            "installment": [f"${v:,.2f}" for v in numbers["installment"]],
        }
    )

    out = SyntheticGenerator("gaussian_copula", seed=0).fit(texts, progress=False)
    synthetic = out.generate(2_000, seed=0)

    assert synthetic["loan_amount"].str.fullmatch(r"\$[0-9]{1,3}(,[0-9]{3})*").all()
    assert synthetic["interest_rate"].str.fullmatch(r"[0-9]{1,2}\.[0-9]{2}%").all()
    read = synthetic.apply(as_number)
    for column in numbers:
        # 2,000 copula draws: mean and spread within 5% of the real ones.
        assert abs(read[column].mean() / numbers[column].mean() - 1) < 0.05
        assert abs(read[column].std() / numbers[column].std() - 1) < 0.05
    # The strong link of installment to loan amount survives being text.
    real_corr = numbers["loan_amount"].corr(numbers["installment"])
    assert abs(read["loan_amount"].corr(read["installment"]) - real_corr) < 0.05


# -- save and load ----------------------------------------------------------------


def test_saved_model_keeps_the_layout(money: pd.DataFrame, tmp_path: Path) -> None:
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(money, progress=False)
    generator.save(tmp_path / "m.genesis")
    loaded = SyntheticGenerator.load(tmp_path / "m.genesis")

    pd.testing.assert_frame_equal(
        generator.generate(100, seed=5), loaded.generate(100, seed=5)
    )
    assert loaded.metadata_["amount"].number_format["thousands"] == ","


def test_metadata_from_before_number_formats_loads_as_numbers() -> None:
    stored = {
        "name": ["str", "x"],
        "column_type": "continuous",
        "dtype": "float64",
        "categories": None,
        "ordered": False,
        "decimals": 2,
        "identifier_format": None,
        "datetime_format": None,
    }
    column = ColumnMetadata.from_dict(stored)

    assert column.number_format is None
    assert ColumnMetadata.from_dict(column.to_dict()) == column


def test_model_file_without_number_formats_still_loads(tmp_path: Path) -> None:
    from safetensors import safe_open
    from safetensors.numpy import save_file

    real = pd.DataFrame({"x": np.linspace(0, 1, 50), "c": list("ab") * 25})
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(real, progress=False)
    path = tmp_path / "m.genesis"
    generator.save(path)
    with safe_open(str(path), framework="np") as handle:
        header = dict(handle.metadata())
        arrays = {key: handle.get_tensor(key) for key in handle.keys()}
    document = header["genesis_json"]
    assert '"number_format"' in document
    header["genesis_json"] = re.sub(r', "number_format": null', "", document)
    assert '"number_format"' not in header["genesis_json"]
    save_file(arrays, str(path), metadata=header)

    loaded = SyntheticGenerator.load(path)

    pd.testing.assert_frame_equal(
        generator.generate(20, seed=1), loaded.generate(20, seed=1)
    )


# -- declaring ------------------------------------------------------------------


def test_an_ambiguous_column_is_read_once_its_layout_is_declared() -> None:
    rng = np.random.default_rng(6)
    real = pd.DataFrame(
        {"salary": [f"{v:,}" for v in rng.integers(10_000, 99_999, 300)]}
    )
    with pytest.warns(UserWarning, match="number_format="):
        kept = SyntheticGenerator("gaussian_copula", seed=0).fit(real, progress=False)
    assert kept.metadata_["salary"].column_type == ColumnType.CATEGORICAL

    metadata = TableMetadata.infer(real)
    metadata.update_column(
        "salary", "continuous", number_format={"thousands": ",", "decimal": "."}
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    out = generator.fit(real, metadata=metadata, progress=False).generate(500)

    salary = out["salary"].str.replace(",", "").astype(float)
    assert out["salary"].str.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*").all()
    assert salary.min() >= 10_000 and salary.max() <= 99_999
    assert (~out["salary"].isin(real["salary"])).mean() > 0.9


def test_text_of_numbers_in_several_layouts_is_told_how_to_declare_them() -> None:
    rng = np.random.default_rng(8)
    values = rng.uniform(10, 500, 200)
    texts = [f"${v:.2f}" if i % 2 else f"{v:.2f}" for i, v in enumerate(values)]

    with pytest.warns(UserWarning, match=r"'price', 'continuous', number_format="):
        SyntheticGenerator("gaussian_copula", seed=0).fit(
            pd.DataFrame({"price": texts}), progress=False
        )


def test_text_declared_numeric_learns_its_layout_when_fitting() -> None:
    real = pd.DataFrame(
        {"weight": pd.Series([f"{v:.1f}" for v in np.linspace(1, 9, 80)] * 2)}
    )
    metadata = TableMetadata.infer(real)
    assert metadata["weight"].column_type == ColumnType.CATEGORICAL
    metadata.update_column("weight", "continuous", number_format={})

    out = SyntheticGenerator("gaussian_copula", seed=0).fit(
        real, metadata=metadata, progress=False
    )
    weight = out.generate(300)["weight"]

    assert weight.str.fullmatch(r"[1-9]\.[0-9]").all()


def test_text_declared_integer_writes_whole_numbers_in_the_layout() -> None:
    real = money_frame(200)
    metadata = TableMetadata.infer(real)
    metadata.update_column("rate", "integer", number_format={"decimals": 0})

    out = SyntheticGenerator("gaussian_copula", seed=0).fit(
        real.assign(rate=[f"{round(v)}%" for v in as_number(real["rate"])]),
        metadata=metadata,
        progress=False,
    )

    assert out.generate(200)["rate"].str.fullmatch(r"[0-9]{1,2}%").all()


def test_a_column_declared_categorical_keeps_its_texts(money: pd.DataFrame) -> None:
    metadata = TableMetadata.infer(money)
    metadata.update_column("rate", "categorical")

    assert metadata["rate"].number_format is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        generator = SyntheticGenerator("gaussian_copula", seed=0).fit(
            money, metadata=metadata, progress=False
        )
    assert generator.generate(300)["rate"].isin(money["rate"]).all()


@pytest.mark.parametrize(
    ("column_type", "number_format", "message"),
    [
        ("categorical", {"prefix": "$"}, "number_format is for continuous"),
        ("continuous", {"thousand": ","}, "unknown keys \\['thousand'\\]"),
        ("continuous", {"decimal": ";"}, "'decimal' must be one of"),
        ("continuous", {"thousands": ",", "decimal": ","}, "both"),
        ("continuous", {"prefix": "1"}, "without digits"),
        ("continuous", {"decimals": -1}, "'decimals' must be a whole number"),
        ("continuous", "$#,##0.00", "must be a dict"),
    ],
)
def test_a_bad_declared_layout_is_refused_naming_the_column(
    column_type: str, number_format: object, message: str
) -> None:
    metadata = TableMetadata.infer(money_frame(20))

    with pytest.raises(InvalidDataError, match=rf"Column 'amount'.*{message}"):
        metadata.update_column("amount", column_type, number_format=number_format)


def test_a_declared_layout_the_values_do_not_share_fails_naming_a_value() -> None:
    real = pd.DataFrame({"v": ["$1.00", "€2.00", "$3.00"] * 10})
    metadata = TableMetadata.infer(real)
    metadata.update_column("v", "continuous", number_format={"prefix": "$"})

    with pytest.raises(InvalidDataError, match=r"Column 'v' is numeric.*'€2.00'"):
        SyntheticGenerator("gaussian_copula").fit(real, metadata=metadata)


def test_number_format_on_a_column_of_numbers_is_refused() -> None:
    metadata = TableMetadata.infer(
        pd.DataFrame({"x": [1.5, 2.5], "g": pd.Categorical(["$1", "$2"])})
    )

    with pytest.raises(InvalidDataError, match=r"Column 'x' has dtype float64"):
        metadata.update_column("x", "continuous", number_format={"prefix": "$"})
    with pytest.raises(InvalidDataError, match=r"Column 'g' has dtype category"):
        metadata.update_column("g", "continuous", number_format={})


# -- conditions and evaluation ------------------------------------------------


def test_conditions_on_a_text_number_column_take_numbers(money: pd.DataFrame) -> None:
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(money, progress=False)

    out = generator.generate(50, conditions={"rate": (10, 12)}, seed=0)

    rate = as_number(out["rate"])
    assert len(out) == 50 and rate.between(10, 12).all()
    assert out["rate"].str.fullmatch(r"1[0-2]\.[0-9]%").all()
    # One value is written in the layout, as the real values are.
    point = generator.generate(5, conditions={"amount": 1234.5}, seed=0)
    assert (point["amount"] == "$1,234.50").all()
    with pytest.raises(InvalidDataError, match="must be a number"):
        generator.generate(5, conditions={"rate": "13.5%"})


def test_evaluation_compares_text_numbers_as_numbers(
    money: pd.DataFrame, copula_out: pd.DataFrame
) -> None:
    report = evaluate(money, copula_out)
    shapes = report.column_shapes.set_index("column")

    assert set(shapes.loc[["rate", "amount"], "metric"]) == {"ks_complement"}
    # A copula on 400 rows: the KS complement of a learned column is high;
    # shifting every amount up by 2,000 scores far lower.
    assert shapes.loc["amount", "score"] > 0.85
    shifted = copula_out.assign(
        amount=[f"${v + 2000:,.2f}" for v in as_number(copula_out["amount"])]
    )
    shifted_shapes = evaluate(money, shifted, properties=()).column_shapes
    assert shifted_shapes.set_index("column").loc["amount", "score"] < 0.6


# -- command line ----------------------------------------------------------------


def test_cli_fit_and_generate_write_numbers_in_the_real_layout(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    lines = ["rate,amount"] + [
        f'{rng.uniform(5, 25):.1f}%,"${rng.uniform(10, 5000):,.2f}"' for _ in range(200)
    ]
    real_path = tmp_path / "money.csv"
    real_path.write_text("\n".join(lines) + "\n")
    model, out_path = tmp_path / "m.genesis", tmp_path / "out.csv"

    fit = ["fit", str(real_path), "-o", str(model), "--method", *COPULA]
    assert main([*fit, "--seed", "0"]) == 0
    assert main(["generate", str(model), "-n", "200", "-o", str(out_path)]) == 0

    real, out = pd.read_csv(real_path), pd.read_csv(out_path)
    assert out["amount"].str.fullmatch(r"\$[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}").all()
    assert out["rate"].str.fullmatch(r"[0-9]{1,2}\.[0-9]%").all()
    assert (~out["amount"].isin(real["amount"])).mean() > 0.9
    report = tmp_path / "report.json"
    assert main(["evaluate", str(real_path), str(out_path), "--json", str(report)]) == 0
    rows = json.loads(report.read_text())["column_shapes"]["rows"]
    assert {row[0]: row[2] for row in rows}["amount"] == "ks_complement"
