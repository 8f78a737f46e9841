"""The command line's own output: ``-v``'s log and the demo's summary."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

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
