"""``genesis evaluate``: the full evaluation from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis.cli import main


def shop(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 30.0, n_rows)
    return pd.DataFrame(
        {
            "spend": spend.round(2),
            "visits": rng.poisson(4, n_rows),
            "member": spend + rng.normal(0, 20, n_rows) > 60,
            "region": rng.choice(["north", "south", "east"], n_rows),
        }
    )


def test_evaluate_command_writes_every_section_and_warns_of_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real, holdout = shop(1_500, seed=1), shop(1_000, seed=2)
    # Half the "synthetic" rows are copies of real rows.
    synthetic = pd.concat([real.sample(750, random_state=3), shop(750, seed=4)])
    paths = {}
    for name, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    scores = tmp_path / "scores.json"

    status = main(
        [
            "evaluate",
            str(paths["real"]),
            str(paths["synthetic"]),
            "--holdout",
            str(paths["holdout"]),
            "--target",
            "member",
            "--ml-model",
            "linear",
            "--json",
            str(scores),
        ]
    )

    assert status == 0
    printed = capsys.readouterr().out
    assert "ML efficacy:" in printed and "Detection:" in printed
    assert re.search(
        r"Privacy warning: 5\d\.\d% of synthetic rows are exact copies", printed
    )
    written = json.loads(scores.read_text(encoding="utf-8"))
    assert written["ml_efficacy"]["target"] == "member"
    assert written["ml_efficacy"]["test"] == "holdout"
    assert written["privacy"]["flagged"] is True


def test_evaluate_command_can_score_quality_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.csv"
    shop(800, seed=5).to_csv(real, index=False)
    scores = tmp_path / "scores.json"

    status = main(
        [
            "evaluate",
            str(real),
            str(real),
            "--properties",
            "none",
            "--json",
            str(scores),
        ]
    )

    assert status == 0
    written = json.loads(scores.read_text(encoding="utf-8"))
    assert written["score"] == pytest.approx(1.0)
    assert written["privacy"] is None and written["detection"] is None
    assert "Privacy" not in capsys.readouterr().out


@pytest.mark.parametrize(("given", "plots"), [("1", 1), ("all", 4)])
def test_evaluate_command_plots_as_many_columns_as_asked(
    tmp_path: Path, given: str, plots: int
) -> None:
    pytest.importorskip("matplotlib")
    real = tmp_path / "real.csv"
    shop(300, seed=5).to_csv(real, index=False)
    page = tmp_path / "report.html"

    argv = ["evaluate", str(real), str(real), "--properties", "none"]
    assert main([*argv, "--html", str(page), "--max-plots", given]) == 0

    assert page.read_text(encoding="utf-8").count('class="column-plot"') == plots


def test_evaluate_command_refuses_a_plot_count_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["evaluate", "a.csv", "b.csv", "--max-plots", "some"])
    assert "'some' is neither a whole number of 0 or more nor 'all'" in (
        capsys.readouterr().err
    )


UNREADABLE = {
    "empty": (
        b"",
        "the file is empty; a CSV file needs a header line naming its columns.",
    ),
    "latin-1": (
        "region,spend\nnorth,1\nsüd,2\n".encode("latin-1"),
        "byte 0xfc at line 3, column 2, is not valid utf-8. Re-save the file "
        "as UTF-8, or name its encoding with --encoding (for example "
        "--encoding latin-1).",
    ),
    "ragged": (
        b"spend,visits\n1,2\n3,4,5\n6,7\n",
        "line 3 has 3 fields, but the header has 2 (separator ','). Quote the "
        "values that contain the separator.",
    ),
}


@pytest.mark.parametrize("problem", list(UNREADABLE))
@pytest.mark.parametrize("role", ["real", "synthetic", "holdout"])
def test_evaluate_names_the_file_and_the_problem_of_an_unreadable_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str, role: str
) -> None:
    content, message = UNREADABLE[problem]
    paths = {name: tmp_path / f"{name}.csv" for name in ("real", "synthetic")}
    paths["holdout"] = tmp_path / "holdout.csv"
    for name, path in paths.items():
        shop(200, seed=len(name)).to_csv(path, index=False)
    paths[role].write_bytes(content)

    status = main(
        [
            "evaluate",
            str(paths["real"]),
            str(paths["synthetic"]),
            "--holdout",
            str(paths["holdout"]),
            "--properties",
            "none",
        ]
    )

    assert status == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"genesis: {paths[role]}: {message}"


def test_a_score_that_cannot_be_given_prints_its_reason_not_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two real rows: detection cross-validates over 3 folds and has no score.
    # Before, the line read "Detection: nan".
    real = pd.DataFrame({"x": [1.0, 2.0], "kind": ["a", "b"]})
    synthetic = pd.DataFrame({"x": np.linspace(1, 2, 20), "kind": ["a", "b"] * 10})
    real.to_csv(tmp_path / "real.csv", index=False)
    synthetic.to_csv(tmp_path / "synthetic.csv", index=False)

    argv = ["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synthetic.csv")]
    assert main([*argv, "--properties", "detection"]) == 0

    out = capsys.readouterr().out
    assert "nan" not in out
    assert re.search(r"Detection: n/a \(.*3 rows", out)
