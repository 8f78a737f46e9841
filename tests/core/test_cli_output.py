"""The command line's own output: ``-v``'s log, the demo's summary, CSV text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis._table_files import read_table
from genesis.cli import main

# Run in a fresh interpreter: logging's configuration is process-wide, and
# pytest installs its own handlers in this one.
SCRIPT = """
import logging
from genesis.cli import main
status = main({argv!r})
logging.getLogger("matplotlib.font_manager").debug("font search noise")
logging.getLogger("genesis.copula").debug("our debug line")
logging.getLogger("genesis_torch.ctgan").debug("backend debug line")
logging.getLogger("genesis.copula").warning("our warning")
raise SystemExit(status)
"""


def run(argv: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(argv=argv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stderr


def test_verbose_logs_our_debug_lines_and_not_other_libraries() -> None:
    # matplotlib's font search once filled pages of `genesis -v demo`.
    stderr = run(["-v", "plugins"])

    assert "our debug line" in stderr
    assert "backend debug line" in stderr
    assert "font search noise" not in stderr


def test_without_verbose_only_warnings_are_logged() -> None:
    stderr = run(["plugins"])

    assert "our warning" in stderr
    assert "our debug line" not in stderr


def test_demo_writes_its_files_and_times_fit_and_generate_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")

    assert main(["demo", "--output-dir", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    # The line once gave the whole run's time (evaluation and report
    # included) as the time to fit and generate.
    timing = re.search(
        r"\(32561 rows x 15 columns\) in ([\d.]+) s and generated 32561 rows in "
        r"([\d.]+) s \(([\d.]+) s in all",
        out,
    )
    assert timing, out
    fit, generate, total = map(float, timing.groups())
    assert fit + generate <= total
    # A copula generates Adult in a few hundredths of a second; one decimal
    # printed that as 0.0 s.
    assert generate > 0
    # The overall score says what it averages; detection and privacy, which
    # it leaves out, are listed apart.
    overall = re.search(
        r"Overall quality score: ([\d.]+) \(the mean of column shapes and "
        r"column pair trends\)\n  Column shapes: ([\d.]+)\n  Column pair trends: "
        r"([\d.]+)\nScored beside it:\n  Detection: [\d.]+\n  Privacy: [\d.]+\n",
        out,
    )
    assert overall, out
    score, shapes, trends = map(float, overall.groups())
    assert score == pytest.approx((shapes + trends) / 2, abs=0.001)
    synthetic = pd.read_csv(tmp_path / "adult_synthetic.csv")
    assert synthetic.shape == (32561, 15)
    for name in ("adult.genesis", "quality_report.html", "quality_report.json"):
        assert (tmp_path / name).stat().st_size > 0


# -- CSV files: digit strings with leading zeros are text, not numbers --------

ZIPS = ["02134", "00501", "10001", "94105"]
PHONES = ["0306621478", "0531989130", "0394161700", "0309135627"]


def write_zip_csv(path: Path, zips: list[str], repeats: int = 10) -> None:
    """A CSV whose zip and phone columns are digit strings, some with leading 0s."""
    lines = ["zip,phone,amt,count,share"]
    for index in range(len(zips) * repeats):
        zip_code = zips[index % len(zips)]
        phone = PHONES[index % len(PHONES)]
        # "0" alone and "0.5" are numbers, not codes with a leading zero.
        lines.append(f"{zip_code},{phone},{index * 1.25},{index % 3},0.{index % 9}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_fit_and_generate_keep_leading_zeros_of_digit_columns(
    tmp_path: Path,
) -> None:
    write_zip_csv(tmp_path / "data.csv", ZIPS)
    model, rows = tmp_path / "m.genesis", tmp_path / "syn.csv"

    fit = ["fit", str(tmp_path / "data.csv"), "-o", str(model)]
    assert main([*fit, "--method", "gaussian_copula", "--seed", "0"]) == 0
    assert main(["generate", str(model), "-n", "200", "-o", str(rows)]) == 0

    # Read back as text: the file must hold "02134", not 2134.
    synthetic = pd.read_csv(rows, dtype=str)
    assert set(synthetic["zip"]) <= set(ZIPS)
    assert set(synthetic["phone"]) <= set(PHONES)
    assert synthetic["zip"].str.startswith("0").any()
    types = {c.name: c.column_type for c in SyntheticGenerator.load(model).metadata_}
    assert types["zip"] == types["phone"] == "categorical"
    assert (types["count"], types["share"]) == ("integer", "continuous")


def test_evaluate_reads_a_leading_zero_column_as_text_in_every_file(
    tmp_path: Path,
) -> None:
    write_zip_csv(tmp_path / "real.csv", ZIPS)
    # This synthetic file happens to hold no zip with a leading zero; it must
    # still be compared with the real zips as text.
    write_zip_csv(tmp_path / "synthetic.csv", ["10001", "94105"], repeats=20)
    scores = tmp_path / "scores.json"

    argv = ["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synthetic.csv")]
    assert main([*argv, "--properties", "none", "--json", str(scores)]) == 0

    shapes = json.loads(scores.read_text(encoding="utf-8"))["column_shapes"]
    rows = {
        row[0]: dict(zip(shapes["columns"], row, strict=True)) for row in shapes["rows"]
    }
    assert rows["zip"]["column_type"] == "categorical"
    # Two of four zips, each twice as common: total variation 0.5.
    assert rows["zip"]["score"] == pytest.approx(0.5)


# -- CSV files: whole numbers with blanks stay whole numbers -----------------


def test_whole_numbers_with_blanks_are_read_as_nullable_integers(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data.csv"
    data.write_text(
        "amount,big,signed,ratio,code,empty\n"
        "4268,9007199254740993,-3,1.0,0012,\n"
        ",,+7,2.5,,\n"
        "12,1,,,0013,\n",
        encoding="utf-8",
    )
    frame = read_table(data)
    # pandas reads the first three as floats: 4268.0, and 2**53 + 1 as 2**53.
    assert str(frame["amount"].dtype) == "Int64"
    assert frame["amount"].tolist() == [4268, pd.NA, 12]
    assert frame["big"][0] == 9007199254740993
    assert frame["signed"].tolist() == [-3, 7, pd.NA]
    # Written with a decimal point, or codes, or no value at all: unchanged.
    assert frame["ratio"].dtype == np.float64
    assert frame["code"].tolist()[::2] == ["0012", "0013"]
    assert frame["empty"].dtype == np.float64


def test_fit_and_generate_write_whole_numbers_with_blanks_as_the_file_did(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    amounts = [str(v) if v % 5 else "" for v in rng.integers(100, 5000, 200)]
    lines = ["amount,kind"] + [f"{a},{'ab'[i % 2]}" for i, a in enumerate(amounts)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    model, rows = tmp_path / "m.genesis", tmp_path / "syn.csv"

    assert main(["fit", str(tmp_path / "data.csv"), "-o", str(model)]) == 0
    assert main(["generate", str(model), "-n", "300", "-o", str(rows)]) == 0

    # Before, every value came back written as "1631.0".
    written = pd.read_csv(rows, dtype=str)["amount"]
    assert written.isna().any() and written.notna().any()
    assert written.dropna().str.fullmatch(r"\d+").all()


# -- CSV files: the separator is detected, decimal commas are numbers ---------

CITIES = ["Kraków", "São Paulo", "Zürich"]


def purchases(n_rows: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "city": rng.choice(CITIES, n_rows),
            "amount": rng.gamma(2.0, 10.0, n_rows).round(2),
            "n": rng.integers(0, 9, n_rows),
        }
    )


def column_shapes(scores: Path) -> dict[str, dict]:
    shapes = json.loads(scores.read_text(encoding="utf-8"))["column_shapes"]
    return {
        row[0]: dict(zip(shapes["columns"], row, strict=True)) for row in shapes["rows"]
    }


@pytest.mark.parametrize(
    ("separator", "decimal"), [(";", ","), (";", "."), ("\t", ","), ("|", ".")]
)
def test_evaluate_reads_every_column_of_a_csv_with_another_separator(
    tmp_path: Path, separator: str, decimal: str
) -> None:
    frame = purchases()
    frame.to_csv(tmp_path / "real.csv", sep=separator, decimal=decimal, index=False)
    frame.to_csv(tmp_path / "synthetic.csv", index=False)
    scores = tmp_path / "scores.json"

    argv = ["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synthetic.csv")]
    assert main([*argv, "--properties", "none", "--json", str(scores)]) == 0

    # The same rows in both files: every column read, each with its own type,
    # and every value alike (a score of exactly 1).
    rows = column_shapes(scores)
    assert {name: row["column_type"] for name, row in rows.items()} == {
        "city": "categorical",
        "amount": "continuous",
        "n": "integer",
    }
    assert json.loads(scores.read_text(encoding="utf-8"))["score"] == 1.0


def test_fit_learns_the_columns_of_a_semicolon_csv_not_its_rows(
    tmp_path: Path,
) -> None:
    frame = purchases()
    frame.to_csv(tmp_path / "data.csv", sep=";", decimal=",", index=False)
    model, rows = tmp_path / "m.genesis", tmp_path / "syn.csv"

    fit = ["fit", str(tmp_path / "data.csv"), "-o", str(model), "--seed", "0"]
    assert main([*fit, "--method", "gaussian_copula"]) == 0
    assert main(["generate", str(model), "-n", "200", "-o", str(rows)]) == 0

    types = {c.name: c.column_type for c in SyntheticGenerator.load(model).metadata_}
    assert types == {"city": "categorical", "amount": "continuous", "n": "integer"}
    # Written as the real file is: separated by semicolons, decimal commas.
    synthetic = pd.read_csv(rows, sep=";", decimal=",")
    assert list(synthetic.columns) == ["city", "amount", "n"]
    # Once the whole file's lines came back as the categories of one column.
    assert set(synthetic["city"]) <= set(CITIES)
    assert synthetic["amount"].between(0, frame["amount"].max()).all()


def test_a_column_with_decimal_commas_and_other_text_stays_text(
    tmp_path: Path,
) -> None:
    # "1.5" has a dot: not every cell of the column is a decimal-comma number.
    text = "code;amount\n" + "x;1,5\ny;2,5\nz;1.5\n" * 5
    (tmp_path / "data.csv").write_text(text, encoding="utf-8")
    scores = tmp_path / "scores.json"

    data = str(tmp_path / "data.csv")
    argv = ["evaluate", data, data, "--properties", "none", "--json", str(scores)]
    assert main(argv) == 0

    types = {name: row["column_type"] for name, row in column_shapes(scores).items()}
    assert types == {"code": "categorical", "amount": "categorical"}


def test_separators_that_split_alike_are_refused_until_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a;b,c;d\n" + "1;2,3;4\n5;6,7;8\n" * 10, encoding="utf-8")
    scores = tmp_path / "scores.json"
    argv = ["evaluate", str(data), str(data), "--properties", "none"]

    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"genesis: {data}: cannot tell the separator; every line splits into "
        "the same number of fields on ',' and on ';'. Name it with --separator."
    )
    assert main([*argv, "--separator", ";", "--json", str(scores)]) == 0
    assert list(column_shapes(scores)) == ["a", "b,c", "d"]


def test_a_header_split_by_semicolons_is_never_one_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a;b\n1;2\n3;4;5\n6;7\n", encoding="utf-8")

    assert main(["fit", str(data), "-o", str(tmp_path / "m.genesis")]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"genesis: {data}: line 3 has 3 fields, but the header has 2 "
        "(separator ';'). Quote the values that contain the separator."
    )
    assert not (tmp_path / "m.genesis").exists()


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_separator_ending_every_line_adds_no_column_and_moves_no_value(
    tmp_path: Path, separator: str
) -> None:
    # Spreadsheet exports often end each line with the separator. pandas read
    # the extra empty field as data and the first column as the index, so
    # every value moved one column to the left and the last became missing.
    data = tmp_path / "data.csv"
    lines = ["city,n,amount", "Oslo,1,2.5,", "Rome,2,3.5,", "Oslo,3,4.5,"]
    data.write_text("\n".join(lines).replace(",", separator) + "\n", encoding="utf-8")

    frame = read_table(data)

    expected = pd.DataFrame(
        {"city": ["Oslo", "Rome", "Oslo"], "n": [1, 2, 3], "amount": [2.5, 3.5, 4.5]}
    )
    pd.testing.assert_frame_equal(frame, expected)


# -- CSV files that cannot be read: the file and the problem, exit status 2 --

RAGGED_LATE = "a,b\n" + "1,2\n" * 300 + "3,4,5\n"
# Each file's bytes and the problem the command reports after its name.
UNREADABLE = {
    "empty": (
        b"",
        "the file is empty; a CSV file needs a header line naming its columns.",
    ),
    "blank lines": (
        b"\n\n",
        "the file is empty; a CSV file needs a header line naming its columns.",
    ),
    "latin-1": (
        "city,n\nKraków,1\nZürich,2\n".encode("latin-1"),
        "byte 0xf3 at line 2, column 5, is not valid utf-8. Re-save the file "
        "as UTF-8, or name its encoding with --encoding (for example "
        "--encoding latin-1).",
    ),
    "ragged": (
        b"a,b\n1,2\n3,4,5\n6,7\n",
        "line 3 has 3 fields, but the header has 2 (separator ','). Quote the "
        "values that contain the separator.",
    ),
    "ragged past the lines sniffed": (
        RAGGED_LATE.encode(),
        "line 302 has 3 fields, but the header has 2 (separator ','). Quote the "
        "values that contain the separator.",
    ),
    "unclosed quote": (
        b'a,b\n1,"2\n3,4\n',
        "a quoted value that starts in row 2 (the header is row 1) is never "
        'closed. Close it, and double a quote inside a value ("").',
    ),
    # pandas would read 5 and 6 as a and b, and c as missing.
    "short line": (
        b"a,b,c\n1,2,3\n5,6\n7,8,9\n",
        "line 3 has 2 fields, but the header has 3 (separator ','). Write an "
        "empty field for each missing value (1,,3).",
    ),
    # pandas would read the 1 and 4 as the index, and 2 and 5 as a.
    "one field more on every line": (
        b"a,b\n1,2,3\n4,5,6\n",
        "line 2 has 3 fields, but the header has 2 (separator ','). Quote the "
        "values that contain the separator.",
    ),
    # pandas would read the second "a" as a new column named "a.1".
    "repeated column name": (
        b"a,b,a\n1,2,3\n4,5,6\n",
        "the header names column 'a' twice (fields 1 and 3). Give each "
        "column its own name.",
    ),
}


@pytest.mark.parametrize("problem", list(UNREADABLE))
def test_fit_names_the_file_and_the_problem_of_an_unreadable_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    content, message = UNREADABLE[problem]
    data = tmp_path / "data.csv"
    data.write_bytes(content)

    status = main(["fit", str(data), "-o", str(tmp_path / "m.genesis")])

    assert status == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"genesis: {data}: {message}"
    assert not (tmp_path / "m.genesis").exists()


def test_fit_reads_a_latin_1_file_given_its_encoding(tmp_path: Path) -> None:
    frame = purchases()
    frame.to_csv(tmp_path / "data.csv", index=False, encoding="latin-1")
    model, rows = tmp_path / "m.genesis", tmp_path / "syn.csv"

    fit = ["fit", str(tmp_path / "data.csv"), "-o", str(model), "--seed", "0"]
    assert main([*fit, "--encoding", "latin-1", "--method", "gaussian_copula"]) == 0
    assert main(["generate", str(model), "-n", "200", "-o", str(rows)]) == 0

    # The output is latin-1, as the input, with the cities spelled as there;
    # it once came back UTF-8, which a reader of latin-1 garbles ("KrakÃ³w").
    assert set(pd.read_csv(rows, encoding="latin-1")["city"]) == set(CITIES)
    with pytest.raises(UnicodeDecodeError):
        rows.read_bytes().decode("utf-8")


def test_an_unknown_encoding_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    purchases().to_csv(tmp_path / "data.csv", index=False)
    argv = ["fit", str(tmp_path / "data.csv"), "-o", str(tmp_path / "m.genesis")]

    assert main([*argv, "--encoding", "klingon"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "genesis: --encoding 'klingon' is not an encoding Python knows; "
        "try utf-8, latin-1 or cp1252."
    )
