"""``genesis generate`` writes CSV files laid out as the files ``fit`` read.

Separator, decimal mark, encoding, byte order mark, line ending and the word
a column writes for missing cells are kept in the model file and used when
the synthetic files are written; ``--separator``, ``--decimal`` and
``--encoding`` change them. Words such as ``NA`` are missing cells only in a
column that holds no other text.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator, _io
from genesis._csv_layout import LAYOUT_PART
from genesis._table_files import read_table, read_table_and_layout
from genesis.cli import main
from genesis.multitable import MultiTableGenerator, RelationalSchema
from tests.conftest import SHARED_DATA

COPULA = ("--method", "gaussian_copula", "--seed", "0")
# Every one is written in latin-1 as well as in UTF-8.
CITIES = ["España", "Zürich", "Kraków"]


def purchases(n_rows: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "city": rng.choice(CITIES, n_rows),
            "amount": rng.gamma(2.0, 10.0, n_rows).round(2) + 0.01,
            "n": rng.integers(0, 9, n_rows),
        }
    )


def write_file(
    path: Path,
    frame: pd.DataFrame,
    *,
    separator: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    bom: bool = False,
    line_ending: str = "\n",
    na_rep: str = "",
) -> None:
    text = frame.to_csv(
        index=False,
        sep=separator,
        decimal=decimal,
        lineterminator=line_ending,
        na_rep=na_rep,
    )
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode(encoding))


def fit_and_generate(
    data: Path, *fit_options: str, generate_options: tuple[str, ...] = ()
) -> Path:
    model, rows = data.with_suffix(".genesis"), data.with_name("synthetic.csv")
    assert main(["fit", str(data), "-o", str(model), *COPULA, *fit_options]) == 0
    command = ["generate", str(model), "-n", "200", "-o", str(rows), "--seed", "1"]
    assert main([*command, *generate_options]) == 0
    return rows


def fields(raw: bytes, encoding: str, separator: str, line_ending: str) -> list:
    """The file's lines split into fields, checking every line's ending."""
    text = raw.decode(encoding)
    assert text.endswith(line_ending)
    lines = text[: -len(line_ending)].split(line_ending)
    # No line ends otherwise: "\r\n" files hold no bare "\n", and back.
    assert not any("\n" in line or "\r" in line for line in lines)
    return [line.split(separator) for line in lines]


# -- the layout of the file fitted on is the layout of the file generated -------

LAYOUTS = {
    "semicolons and decimal commas": dict(separator=";", decimal=","),
    "tabs, decimal commas, CRLF": dict(separator="\t", decimal=",", line_ending="\r\n"),
    "pipes and a byte order mark": dict(separator="|", bom=True),
    "latin-1 with CRLF": dict(encoding="latin-1", line_ending="\r\n"),
    "byte order mark and CRLF": dict(bom=True, line_ending="\r\n"),
    "semicolons, latin-1, old Mac lines": dict(
        separator=";", decimal=",", encoding="latin-1", line_ending="\r"
    ),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_generated_file_has_the_layout_of_the_file_fitted_on(
    tmp_path: Path, name: str
) -> None:
    layout = {
        "separator": ",",
        "decimal": ".",
        "encoding": "utf-8",
        "bom": False,
        "line_ending": "\n",
        **LAYOUTS[name],
    }
    write_file(tmp_path / "data.csv", purchases(), **layout)
    rows = fit_and_generate(tmp_path / "data.csv", "--encoding", layout["encoding"])

    raw = rows.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) == layout["bom"]
    if layout["bom"]:
        raw = raw[len(codecs.BOM_UTF8) :]
    if layout["encoding"] == "latin-1":
        # Read as UTF-8, "España" would be refused (or garbled).
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    lines = fields(raw, layout["encoding"], layout["separator"], layout["line_ending"])
    assert lines[0] == ["city", "amount", "n"]
    assert {line[0] for line in lines[1:]} <= set(CITIES)
    # Every amount in the file's decimal mark; two places as in the real file.
    mark = re.escape(layout["decimal"])
    assert all(re.fullmatch(rf"\d+{mark}\d\d?", line[1]) for line in lines[1:])
    assert all(line[2].isdigit() for line in lines[1:])


def test_the_layout_is_kept_in_the_model_file_and_the_model_loads_as_before(
    tmp_path: Path,
) -> None:
    write_file(tmp_path / "data.csv", purchases(), separator=";", decimal=",")
    model = tmp_path / "data.genesis"
    assert main(["fit", str(tmp_path / "data.csv"), "-o", str(model), *COPULA]) == 0

    assert _io.read_model_part(model, LAYOUT_PART) == {
        "table": {
            "separator": ";",
            "decimal": ",",
            "encoding": "utf-8",
            "bom": False,
            "line_ending": "\n",
            "missing": [],
            "blank_columns": [],
            "booleans": [],
            "numbers": [],
        }
    }
    # The part is beside the model's document: the model loads as any other.
    assert SyntheticGenerator.load(model).generate(5, seed=3).shape == (5, 3)


def test_adding_a_part_leaves_the_model_file_loading_to_the_same_generator(
    tmp_path: Path,
) -> None:
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    generator.fit(purchases(), progress=False)
    model = tmp_path / "m.genesis"
    generator.save(model)
    before = SyntheticGenerator.load(model).generate(50, seed=4)

    _io.write_model_part(model, "notes", {"who": "test"})
    _io.write_model_part(model, "notes", {"who": "again"})

    assert _io.read_model_part(model, "notes") == {"who": "again"}
    pd.testing.assert_frame_equal(
        SyntheticGenerator.load(model).generate(50, seed=4), before
    )


# -- a model file without a layout: the default layout --------------------------


def test_a_model_without_a_layout_writes_comma_separated_utf8(tmp_path: Path) -> None:
    # What a Python user saves, and what `genesis fit` wrote before layouts
    # were kept.
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    generator.fit(purchases(), progress=False)
    model, rows = tmp_path / "m.genesis", tmp_path / "out.csv"
    generator.save(model)
    assert _io.read_model_part(model, LAYOUT_PART) is None

    assert main(["generate", str(model), "-n", "50", "-o", str(rows)]) == 0

    lines = fields(rows.read_bytes(), "utf-8", ",", "\n")
    assert lines[0] == ["city", "amount", "n"]
    assert all(re.fullmatch(r"\d+\.\d\d?", line[1]) for line in lines[1:])


def test_a_related_tables_model_without_layouts_writes_the_default(
    tmp_path: Path,
) -> None:
    customers = pd.DataFrame({"id": range(30), "city": (CITIES * 10)})
    orders = pd.DataFrame(
        {"customer": np.arange(60) % 30, "total": np.linspace(1.25, 80.5, 60)}
    )
    schema = RelationalSchema()
    schema.add_table("customers", primary_key="id")
    schema.add_table("orders")
    schema.add_relationship("orders", "customer", "customers", "id")
    generator = MultiTableGenerator(schema, seed=0)
    generator.fit({"customers": customers, "orders": orders})
    generator.save(tmp_path / "m.genesis")

    out = tmp_path / "out"
    assert main(["generate", str(tmp_path / "m.genesis"), "-o", str(out)]) == 0

    lines = fields((out / "orders.csv").read_bytes(), "utf-8", ",", "\n")
    assert lines[0] == ["customer", "total"]
    assert all(re.fullmatch(r"\d+\.\d+", line[1]) for line in lines[1:])


# -- generate's options override the layout kept ----------------------------------


def test_generate_options_override_the_layout_kept(tmp_path: Path) -> None:
    write_file(
        tmp_path / "data.csv",
        purchases(),
        separator=";",
        decimal=",",
        line_ending="\r\n",
    )
    options = ("--separator", ",", "--decimal", ".", "--encoding", "utf-8-sig")
    rows = fit_and_generate(tmp_path / "data.csv", generate_options=options)

    raw = rows.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    # The line ending, which no option names, stays the file's.
    lines = fields(raw[len(codecs.BOM_UTF8) :], "utf-8", ",", "\r\n")
    assert lines[0] == ["city", "amount", "n"]
    assert all(re.fullmatch(r"\d+\.\d\d?", line[1]) for line in lines[1:])


def test_tab_separator_is_named_tab(tmp_path: Path) -> None:
    write_file(tmp_path / "data.csv", purchases())
    rows = fit_and_generate(
        tmp_path / "data.csv", generate_options=("--separator", "tab")
    )

    lines = fields(rows.read_bytes(), "utf-8", "\t", "\n")
    assert lines[0] == ["city", "amount", "n"]


def _comma_separator(tmp_path: Path) -> tuple[list[str], str]:
    write_file(tmp_path / "data.csv", purchases(), separator=";", decimal=",")
    return ["--separator", ","], (
        "genesis: A comma cannot be both the separator and the decimal mark of "
        "a CSV file: the file the model was fitted on writes decimal commas; add "
        "--decimal . for decimal points."
    )


def _comma_decimal(tmp_path: Path) -> tuple[list[str], str]:
    write_file(tmp_path / "data.csv", purchases())
    return ["--decimal", ","], (
        "genesis: A comma cannot be both the separator and the decimal mark of "
        "a CSV file: name another separator with --separator, such as ';'."
    )


def _unknown_encoding(tmp_path: Path) -> tuple[list[str], str]:
    write_file(tmp_path / "data.csv", purchases())
    return ["--encoding", "klingon"], (
        "genesis: --encoding 'klingon' is not an encoding Python knows; try "
        "utf-8, latin-1 or cp1252."
    )


def _unwritable_text(tmp_path: Path) -> tuple[list[str], str]:
    frame = purchases().assign(city=lambda f: f["city"].replace("Kraków", "東京"))
    write_file(tmp_path / "data.csv", frame)
    return ["--encoding", "latin-1"], (
        "genesis: Column 'city' holds '東京', which cannot be written in latin-1 "
        "(ordinal not in range(256)). Generate with --encoding utf-8, which "
        "writes every character."
    )


def _options_for_parquet(tmp_path: Path) -> tuple[list[str], str]:
    write_file(tmp_path / "data.csv", purchases())
    output = tmp_path / "out.parquet"
    return ["--separator", ";", "--decimal", ",", "-o", str(output)], (
        f"genesis: --separator, --decimal set how CSV files are written, and "
        f"{output} is not written as CSV; leave them out, or write CSV."
    )


@pytest.mark.parametrize(
    "make",
    [
        _comma_separator,
        _comma_decimal,
        _unknown_encoding,
        _unwritable_text,
        _options_for_parquet,
    ],
)
def test_generate_options_that_make_no_file_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make
) -> None:
    options, message = make(tmp_path)
    model, rows = tmp_path / "m.genesis", tmp_path / "out.csv"
    assert main(["fit", str(tmp_path / "data.csv"), "-o", str(model), *COPULA]) == 0
    capsys.readouterr()

    assert main(["generate", str(model), "-n", "50", "-o", str(rows), *options]) == 2

    assert capsys.readouterr().err.splitlines()[-1] == message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "m.genesis"]


# -- words for missing cells -----------------------------------------------------

# The command line walk's file: a text column holding "N/A" and "NA" as tags.
TAGS = "id,n,tag\n1,1631,a\n2,,b\n3,1702,N/A\n4,1650,abc\n5,1600,NA\n6,1700,abc\n"


def test_na_words_in_a_text_column_are_text_not_missing(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text(TAGS, encoding="utf-8")

    frame = read_table(tmp_path / "data.csv")

    # pandas' defaults read "N/A" and "NA" as missing, merging two tags with
    # the blanks.
    assert frame["tag"].tolist() == ["a", "b", "N/A", "abc", "NA", "abc"]
    assert frame["n"].tolist() == [1631, pd.NA, 1702, 1650, 1600, 1700]


def test_na_words_in_a_text_column_come_back_as_written(tmp_path: Path) -> None:
    header, body = TAGS.split("\n", 1)
    (tmp_path / "data.csv").write_text(f"{header}\n{body * 5}", encoding="utf-8")

    rows = fit_and_generate(tmp_path / "data.csv")

    tags = pd.read_csv(rows, dtype=str, keep_default_na=False)["tag"]
    assert set(tags) <= {"a", "b", "N/A", "abc", "NA"}
    # 2 in 6 real rows hold one of them: of 200 rows, some 67 (seeded).
    assert tags.isin(["N/A", "NA"]).sum() > 30


# A column in which each word is read as missing, or kept as text, and why.
NA_COLUMNS = {
    "numbers": (["1.5", "NA", "2.25", "NA"], [1.5, None, 2.25, None], "NA"),
    "whole numbers": (["12", "null", "7", ""], [12, None, 7, None], None),
    "dates": (
        ["2024-01-05", "N/A", "2024-02-29", "N/A"],
        ["2024-01-05", None, "2024-02-29", None],
        "N/A",
    ),
    "true and false": (
        ["True", "NA", "False", "False"],
        [True, None, False, False],
        "NA",
    ),
    "nothing else": (["NA", "NA", "", "NA"], [None, None, None, None], "NA"),
    "tags": (["a", "N/A", "None", ""], ["a", "N/A", "None", None], None),
    "numbers and text": (["1", "NA", "x", "2"], ["1", "NA", "x", "2"], None),
}


@pytest.mark.parametrize("name", list(NA_COLUMNS))
def test_na_words_are_missing_only_where_the_column_holds_no_other_text(
    tmp_path: Path, name: str
) -> None:
    cells, expected, word = NA_COLUMNS[name]
    lines = ["key,value"] + [f"k{i},{cell}" for i, cell in enumerate(cells)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    frame, layout = read_table_and_layout(tmp_path / "data.csv")

    values = [None if pd.isna(v) else v for v in frame["value"]]
    assert values == expected
    # The word is kept to write missing cells with, when they mostly are it
    # ("whole numbers": one "null", one blank, so a blank).
    assert layout is not None and layout.missing.get("value") == word


def test_decimal_commas_with_na_words_are_numbers(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text(
        "key;amount\na;1,5\nb;NA\nc;2,25\nd;NA\n", encoding="utf-8"
    )

    frame, layout = read_table_and_layout(tmp_path / "data.csv")

    assert frame["amount"].tolist()[::2] == [1.5, 2.25]
    assert frame["amount"].isna().tolist() == [False, True, False, True]
    assert (layout.decimal, dict(layout.missing)) == (",", {"amount": "NA"})


def test_an_r_export_comes_back_with_na_for_missing_numbers(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weight = rng.normal(70, 8, 120).round(1)
    weight[rng.random(120) < 0.25] = np.nan
    visits = pd.array(rng.integers(0, 5, 120), dtype="Int64")
    visits[rng.random(120) < 0.2] = pd.NA
    frame = pd.DataFrame({"weight": weight, "visits": visits})
    write_file(tmp_path / "data.csv", frame, separator=";", decimal=",", na_rep="NA")

    rows = fit_and_generate(tmp_path / "data.csv")

    written = pd.read_csv(rows, sep=";", dtype=str, keep_default_na=False)
    # Missing cells as the real file writes them, the others numbers in its
    # decimal mark; before, they came back as blanks.
    assert (written == "").sum().sum() == 0
    for name, number in (("weight", r"\d+(,\d)?"), ("visits", r"\d+")):
        missing = written[name] == "NA"
        assert 0 < missing.mean() < 0.5
        assert written[name][~missing].str.fullmatch(number).all()
    assert written["weight"].str.contains(",").any()


def test_evaluate_reads_a_file_and_its_synthetic_file_alike(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frame = purchases(200).assign(
        score=np.where(rng.random(200) < 0.2, np.nan, rng.normal(5, 1, 200).round(2)),
        tag=rng.choice(["a", "N/A", "NA"], 200),
    )
    data = tmp_path / "data.csv"
    write_file(
        data,
        frame,
        separator=";",
        decimal=",",
        encoding="latin-1",
        na_rep="NA",
        line_ending="\r\n",
    )
    rows = fit_and_generate(data, "--encoding", "latin-1")
    scores = tmp_path / "scores.json"

    argv = ["evaluate", str(data), str(rows), "--encoding", "latin-1"]
    assert main([*argv, "--properties", "none", "--json", str(scores)]) == 0

    shapes = json.loads(scores.read_text(encoding="utf-8"))["column_shapes"]
    rows_by_column = {
        row[0]: dict(zip(shapes["columns"], row, strict=True)) for row in shapes["rows"]
    }
    assert {name: row["column_type"] for name, row in rows_by_column.items()} == {
        "city": "categorical",
        "amount": "continuous",
        "n": "integer",
        "score": "continuous",
        "tag": "categorical",
    }
    # The copula keeps each column's shape (0.9 and up, measured); a column
    # read as text in one file and numbers in the other scores far lower.
    assert min(row["score"] for row in rows_by_column.values()) > 0.8


# -- related tables: each file its own layout --------------------------------------


def test_related_tables_are_written_each_in_its_own_files_layout(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    customers = pd.DataFrame(
        {"customer_id": np.arange(1, 41), "city": rng.choice(CITIES, 40)}
    )
    owners = np.repeat(customers["customer_id"].to_numpy(), rng.poisson(3, 40))
    total = rng.gamma(2, 40, owners.size).round(2) + 0.01
    total[rng.random(owners.size) < 0.2] = np.nan
    orders = pd.DataFrame(
        {
            "order_id": np.arange(1000, 1000 + owners.size),
            "customer_id": owners,
            "total": total,
        }
    )
    shop = tmp_path / "shop"
    shop.mkdir()
    write_file(
        shop / "customers.csv",
        customers,
        separator=";",
        encoding="latin-1",
        line_ending="\r\n",
    )
    write_file(
        shop / "orders.csv",
        orders,
        separator="\t",
        decimal=",",
        encoding="latin-1",
        na_rep="NA",
    )
    model, out = tmp_path / "shop.genesis", tmp_path / "out"
    fit = ["fit", str(shop), "-o", str(model), *COPULA, "--encoding", "latin-1"]
    assert main(fit) == 0
    assert main(["generate", str(model), "-o", str(out), "--seed", "1"]) == 0

    lines = fields((out / "customers.csv").read_bytes(), "latin-1", ";", "\r\n")
    assert lines[0] == ["customer_id", "city"]
    assert {line[1] for line in lines[1:]} <= set(CITIES)
    lines = fields((out / "orders.csv").read_bytes(), "latin-1", "\t", "\n")
    assert lines[0] == ["order_id", "customer_id", "total"]
    totals = [line[2] for line in lines[1:]]
    assert "NA" in totals and "" not in totals
    assert all(re.fullmatch(r"\d+,\d\d?", t) for t in totals if t != "NA")

    # An option given overrides every table's own.
    again = tmp_path / "again"
    command = ["generate", str(model), "-o", str(again), "--separator", "|"]
    assert main(command) == 0
    header = (again / "customers.csv").read_bytes().decode("latin-1").split("\r\n")[0]
    assert header == "customer_id|city"
    header = (again / "orders.csv").read_bytes().decode("latin-1").split("\n")[0]
    assert header == "order_id|customer_id|total"


# -- real data ---------------------------------------------------------------------


@pytest.fixture
def penguins() -> pd.DataFrame:
    if not (SHARED_DATA / "penguins.csv").is_file():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    return pd.read_csv(SHARED_DATA / "penguins.csv")


def test_penguins_as_r_writes_them_come_back_in_the_same_layout(
    tmp_path: Path, penguins: pd.DataFrame
) -> None:
    # write.csv2 in R: semicolons, decimal commas, NA for every missing cell.
    data = tmp_path / "penguins.csv"
    write_file(data, penguins, separator=";", decimal=",", na_rep="NA")
    rows = fit_and_generate(data)

    real = read_table(data)
    assert real["bill_length_mm"].dtype == np.float64
    # In the text column sex, "NA" is one of its values, as the file wrote it.
    assert (real["sex"] == "NA").sum() == penguins["sex"].isna().sum() == 11
    written = pd.read_csv(rows, sep=";", dtype=str, keep_default_na=False)
    assert (written == "").sum().sum() == 0
    lengths = written["bill_length_mm"]
    assert lengths[lengths != "NA"].str.fullmatch(r"\d+(,\d)?").all()
    assert set(written["sex"]) <= {"male", "female", "NA"}


def test_related_tables_that_cannot_all_be_written_leave_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    accounts = pd.DataFrame({"account_id": range(1, 31), "plan": ["a", "b"] * 15})
    cities = ["Oslo", "東京", "Lima"] * 20
    visits = pd.DataFrame({"account_id": np.arange(60) % 30 + 1, "city": cities})
    write_file(shop / "accounts.csv", accounts)
    write_file(shop / "visits.csv", visits)
    model, out = tmp_path / "shop.genesis", tmp_path / "out"
    assert main(["fit", str(shop), "-o", str(model), *COPULA]) == 0
    capsys.readouterr()

    command = ["generate", str(model), "-o", str(out), "--encoding", "latin-1"]
    assert main(command) == 2

    assert "Column 'city' holds '東京'" in capsys.readouterr().err
    # accounts.csv, written first, is not left behind without its visits.
    assert list(out.iterdir()) == []


def test_a_damaged_layout_in_the_model_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_file(tmp_path / "data.csv", purchases())
    model = tmp_path / "m.genesis"
    assert main(["fit", str(tmp_path / "data.csv"), "-o", str(model), *COPULA]) == 0
    part = _io.read_model_part(model, LAYOUT_PART)
    _io.write_model_part(
        model, LAYOUT_PART, {"table": {**part["table"], "decimal": "x"}}
    )
    capsys.readouterr()

    argv = ["generate", str(model), "-n", "5", "-o", str(tmp_path / "out.csv")]
    assert main(argv) == 2

    assert capsys.readouterr().err.splitlines()[-1] == (
        f"genesis: {model}: the CSV layout it keeps is not valid: the decimal "
        "mark 'x' is not '.' or ','."
    )
