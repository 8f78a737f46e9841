"""The command line's own output: ``-v``'s log, the demo's summary, CSV text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from genesis import SyntheticGenerator
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
