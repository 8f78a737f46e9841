"""``genesis generate`` writes values as the file ``fit`` read wrote them.

True and false keep their spelling (``TRUE``, ``true``), and a column of
numbers written alike in every cell keeps its decimals (``0.3100``) or its
significant digits in scientific notation (``2.982e-05``), where pandas
would write its own float repr. Files that are not a table's text (a model
file, a compressed file) are named as such, and a UTF-16 file is read by
its byte order mark.
"""

from __future__ import annotations

import codecs
import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from genesis import _io
from genesis._csv_layout import LAYOUT_PART, CsvLayout
from genesis._table_files import read_table_and_layout
from genesis.cli import main

COPULA = ("--method", "gaussian_copula", "--seed", "0")


def fit_and_generate(data: Path, n_rows: int = 200) -> list[list[str]]:
    """The synthetic file's lines, split on commas, the header first."""
    model, rows = data.with_suffix(".genesis"), data.with_name("synthetic.csv")
    assert main(["fit", str(data), "-o", str(model), *COPULA]) == 0
    argv = ["generate", str(model), "-n", str(n_rows), "-o", str(rows), "--seed", "1"]
    assert main(argv) == 0
    return [line.split(",") for line in rows.read_bytes().decode().splitlines()]


def column(lines: list[list[str]], name: str) -> list[str]:
    position = lines[0].index(name)
    return [line[position] for line in lines[1:]]


# -- true and false --------------------------------------------------------------


def test_true_and_false_come_back_in_each_columns_spelling(tmp_path: Path) -> None:
    rows = ["TRUE,true,True,1", "FALSE,false,False,2"] * 6
    data = tmp_path / "b.csv"
    data.write_text("upper,lower,title,n\n" + "\n".join(rows) + "\n")

    lines = fit_and_generate(data, n_rows=60)

    assert set(column(lines, "upper")) == {"TRUE", "FALSE"}
    assert set(column(lines, "lower")) == {"true", "false"}
    assert set(column(lines, "title")) == {"True", "False"}


def test_a_boolean_column_with_blanks_keeps_its_spelling(tmp_path: Path) -> None:
    rows = ["TRUE,1", "FALSE,2", ",3", "TRUE,4"] * 8
    data = tmp_path / "b.csv"
    data.write_text("flag,n\n" + "\n".join(rows) + "\n")

    _, layout = read_table_and_layout(data)

    assert layout is not None and layout.booleans == {"flag": ("TRUE", "FALSE")}
    assert set(column(fit_and_generate(data), "flag")) <= {"TRUE", "FALSE", ""}


def test_a_column_of_one_truth_value_spells_the_other_in_its_case(
    tmp_path: Path,
) -> None:
    data = tmp_path / "b.csv"
    data.write_text("flag,n\n" + "\n".join(f"TRUE,{i}" for i in range(8)) + "\n")

    _, layout = read_table_and_layout(data)

    assert layout is not None and layout.booleans == {"flag": ("TRUE", "FALSE")}


# -- numbers ----------------------------------------------------------------------


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_fixed_decimals_keep_their_trailing_zeros(tmp_path: Path) -> None:
    rng = np.random.default_rng(15)
    data = tmp_path / "fix4.csv"
    values = [f"{v:.4f}" for v in rng.uniform(0, 2, 200)]
    data.write_text("kurs\n" + "\n".join(values) + "\n")

    written = column(fit_and_generate(data), "kurs")

    assert all(re.fullmatch(r"\d\.\d{4}", text) for text in written), written


def test_small_fixed_decimals_are_not_written_in_scientific_form(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(16)
    data = tmp_path / "tiny.csv"
    values = [f"{v:.6f}" for v in rng.uniform(0, 0.0001, 200)]
    data.write_text("dose\n" + "\n".join(values) + "\n")

    written = column(fit_and_generate(data), "dose")

    assert all(re.fullmatch(r"0\.0000\d\d", text) for text in written), written


def test_scientific_numbers_keep_their_significant_digits(tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    data = tmp_path / "sci.csv"
    values = [f"{v:.3e}" for v in rng.uniform(1e-5, 9e-5, 200)]
    data.write_text("rate\n" + "\n".join(values) + "\n")

    written = column(fit_and_generate(data), "rate")

    assert all(re.fullmatch(r"\d\.\d{3}e-0[56]", text) for text in written), written


def test_numbers_written_in_several_ways_are_written_as_pandas_does(
    tmp_path: Path,
) -> None:
    data = tmp_path / "mixed.csv"
    data.write_text("x,y\n1.5,2.25\n0.125,3.5\n2.75,1.0\n3.1,4.75\n")

    _, layout = read_table_and_layout(data)

    assert layout is not None and layout.numbers == {}


def test_decimal_comma_numbers_keep_their_decimals(tmp_path: Path) -> None:
    rng = np.random.default_rng(18)
    data = tmp_path / "komma.csv"
    values = [f"{v:.3f}".replace(".", ",") + ";x" for v in rng.uniform(0, 9, 100)]
    data.write_text("wert;tag\n" + "\n".join(values) + "\n")
    model, rows = tmp_path / "k.genesis", tmp_path / "out.csv"
    assert main(["fit", str(data), "-o", str(model), *COPULA]) == 0
    assert main(["generate", str(model), "-n", "100", "-o", str(rows)]) == 0

    lines = [line.split(";") for line in rows.read_text().splitlines()]

    assert all(re.fullmatch(r"\d,\d{3}", line[0]) for line in lines[1:]), lines


def test_fixed_decimals_with_na_words_keep_both(tmp_path: Path) -> None:
    rows = [f"{v:.2f}" if i % 5 else "NA" for i, v in enumerate(np.linspace(1, 9, 60))]
    data = tmp_path / "r.csv"
    data.write_text("level\n" + "\n".join(rows) + "\n")

    written = column(fit_and_generate(data), "level")

    assert "NA" in written
    assert all(re.fullmatch(r"\d\.\d\d|NA", text) for text in written), written


def test_a_model_file_without_value_formats_writes_as_before(tmp_path: Path) -> None:
    data = tmp_path / "b.csv"
    data.write_text("flag,x\n" + "TRUE,1.50\nFALSE,2.25\n" * 10)
    model, rows = tmp_path / "b.genesis", tmp_path / "out.csv"
    assert main(["fit", str(data), "-o", str(model), *COPULA]) == 0
    part = _io.read_model_part(model, LAYOUT_PART)
    assert part["table"]["booleans"] == [["flag", "TRUE", "FALSE"]]
    assert part["table"]["numbers"] == [["x", ".2f"]]
    old = {k: v for k, v in part["table"].items() if k not in {"booleans", "numbers"}}
    _io.write_model_part(model, LAYOUT_PART, {"table": old})

    assert main(["generate", str(model), "-n", "20", "-o", str(rows)]) == 0

    flags = {line.split(",")[0] for line in rows.read_text().splitlines()[1:]}
    assert flags <= {"True", "False"}


def test_a_layout_keeps_its_formats_through_json() -> None:
    layout = CsvLayout(booleans={"b": ("yes", "no")}, numbers={"x": ".3e"})

    assert CsvLayout.from_json(layout.to_json(), "m.genesis") == layout


# -- files that are not a table's text --------------------------------------------


def test_a_model_file_given_as_a_table_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "pid.csv"
    data.write_text("x\n" + "\n".join(str(i) for i in range(20)) + "\n")
    model = tmp_path / "m1.genesis"
    assert main(["fit", str(data), "-o", str(model), *COPULA]) == 0
    capsys.readouterr()

    assert main(["evaluate", str(data), str(model)]) == 2

    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith(f"genesis: {model}: is a Genesis model file, not a table")
    assert "--encoding" not in err


def test_a_compressed_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "x\n" + "\n".join(str(i) for i in range(20)) + "\n"
    data = tmp_path / "x.csv.gz"
    data.write_bytes(gzip.compress(text.encode()))

    assert main(["fit", str(data), "-o", str(tmp_path / "m.genesis"), *COPULA]) == 2

    assert capsys.readouterr().err.splitlines()[-1] == (
        f"genesis: {data}: is compressed (gzip); decompress it first "
        "(gunzip x.csv.gz) and give the CSV file inside."
    )


def test_a_utf16_file_is_read_by_its_byte_order_mark_and_written_alike(
    tmp_path: Path,
) -> None:
    text = "stadt,n\n" + "".join(f"Zürich,{i}\nKraków,{i + 1}\n" for i in range(20))
    data = tmp_path / "u16.csv"
    data.write_bytes(text.encode("utf-16"))

    frame, layout = read_table_and_layout(data)
    raw = fit_and_generate_raw(data)

    assert set(frame["stadt"]) == {"Zürich", "Kraków"}
    assert layout is not None and layout.encoding == "utf-16"
    assert raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE)
    assert raw.decode("utf-16").startswith("stadt,n\n")


def fit_and_generate_raw(data: Path) -> bytes:
    model, rows = data.with_suffix(".genesis"), data.with_name("synthetic.csv")
    assert main(["fit", str(data), "-o", str(model), *COPULA]) == 0
    assert main(["generate", str(model), "-n", "20", "-o", str(rows)]) == 0
    return rows.read_bytes()
