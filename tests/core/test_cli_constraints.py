"""``genesis fit --constraints rules.json``: rules from a file, kept by generate."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.cli import main
from tests.conftest import REPO

GRADES = {"A1": "A", "A2": "A", "B1": "B", "B2": "B", "C1": "C"}
RULES = [
    {"kind": "inequality", "low": "paid_principal", "high": "paid_total"},
    {"kind": "range", "column": "interest_rate", "low": 0, "high": 40},
    {"kind": "fixed_combinations", "columns": ["sub_grade", "grade"]},
]


@pytest.fixture
def loans_csv(tmp_path: Path) -> Path:
    """Loans whose total paid is the principal plus a little interest, close
    enough that an unconstrained model often pays less than the principal."""
    rng = np.random.default_rng(5)
    n = 300
    principal = rng.normal(5_000, 1_500, n).round(2)
    sub_grades = rng.choice(list(GRADES), n)
    frame = pd.DataFrame(
        {
            "paid_principal": principal,
            "paid_total": (principal + rng.exponential(80, n)).round(2),
            "interest_rate": rng.uniform(5, 30, n).round(2),
            "sub_grade": sub_grades,
            "grade": [GRADES[s] for s in sub_grades],
        }
    )
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    return path


def write_rules(tmp_path: Path, rules: object) -> Path:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules))
    return path


def paid_less_than_principal(frame: pd.DataFrame) -> int:
    return int((frame["paid_principal"] > frame["paid_total"]).sum())


def fit_and_generate(loans_csv: Path, *fit_options: str) -> pd.DataFrame:
    folder = loans_csv.parent
    model, out = folder / "loans.genesis", folder / "synthetic.csv"
    fit = ["fit", str(loans_csv), "-o", str(model), "--method", "gaussian_copula"]
    assert main([*fit, "--seed", "0", *fit_options]) == 0
    # A test may call this twice: the second run replaces the first's rows.
    generate = ["generate", str(model), "-n", "2000", "-o", str(out), "--overwrite"]
    assert main(generate) == 0
    return pd.read_csv(out)


def test_generated_rows_keep_the_rules_of_the_file(loans_csv: Path) -> None:
    rules = write_rules(loans_csv.parent, RULES)
    plain = fit_and_generate(loans_csv)
    constrained = fit_and_generate(loans_csv, "--constraints", str(rules))

    # Without the rules the copula pays less than the principal on about one
    # loan in six (measured 325 of 2,000); with them, never.
    assert paid_less_than_principal(plain) > 100
    assert paid_less_than_principal(constrained) == 0
    assert constrained["interest_rate"].between(0, 40).all()
    pairs = set(zip(constrained["sub_grade"], constrained["grade"], strict=True))
    assert pairs <= set(GRADES.items())


def test_the_model_file_keeps_the_rules(loans_csv: Path) -> None:
    rules = write_rules(loans_csv.parent, RULES)
    fit_and_generate(loans_csv, "--constraints", str(rules))

    loaded = SyntheticGenerator.load(loans_csv.parent / "loans.genesis")
    assert [repr(c) for c in loaded.constraints] == [
        "Inequality('paid_principal', 'paid_total')",
        "Range('interest_rate', low=0, high=40)",
        "FixedCombinations(['sub_grade', 'grade'])",
    ]


def test_type_is_read_as_kind_and_strict_is_kept(loans_csv: Path) -> None:
    rule = {"type": "inequality", "low": "paid_principal", "high": "paid_total"}
    rules = write_rules(loans_csv.parent, [{**rule, "strict": True}])
    fit_and_generate(loans_csv, "--constraints", str(rules))

    loaded = SyntheticGenerator.load(loans_csv.parent / "loans.genesis")
    assert [repr(c) for c in loaded.constraints] == [
        "Inequality('paid_principal', 'paid_total', strict=True)"
    ]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            '[{"kind": "range", "column": "x", "low": 1,}]',
            "is not valid JSON: .* line 1",
        ),
        ('{"kind": "range"}', "must hold a JSON list of rules.* it holds a dict"),
        ([RULES[0], "range"], "rule 2: each rule must be a JSON object"),
        ([RULES[0], {"kind": "ineq"}], "rule 2: .*kind 'ineq', which is not one"),
        ([{"column": "x"}], 'rule 1: .*has no "kind"'),
        (
            [RULES[1], {"kind": "inequality", "low": "a"}],
            "rule 2: .*lacks \\['high'\\]",
        ),
        ([{**RULES[1], "hi": 3}], "rule 1: .*not \\['hi'\\]"),
        ([{"kind": "range", "column": "x"}], "rule 1: Range\\('x'\\) needs a low"),
        ([{**RULES[0], "strict": "yes"}], "rule 1: Inequality's strict must be"),
    ],
)
def test_bad_rules_file_is_refused_naming_the_rule(
    loans_csv: Path, capsys, rules: object, expected: str
) -> None:
    path = loans_csv.parent / "rules.json"
    path.write_text(rules if isinstance(rules, str) else json.dumps(rules))
    model = loans_csv.parent / "loans.genesis"

    status = main(["fit", str(loans_csv), "-o", str(model), "--constraints", str(path)])

    assert status == 2
    error = capsys.readouterr().err
    assert error.startswith(f"genesis: --constraints file {str(path)!r}")
    assert re.search(expected, error), error
    assert "Traceback" not in error
    assert not model.exists()


def test_missing_rules_file_is_refused(loans_csv: Path, capsys) -> None:
    model = loans_csv.parent / "loans.genesis"
    missing = loans_csv.parent / "nowhere.json"
    status = main(
        ["fit", str(loans_csv), "-o", str(model), "--constraints", str(missing)]
    )
    assert status == 2
    assert "nowhere.json' cannot be read" in capsys.readouterr().err


def test_rows_that_break_a_rule_of_the_file_are_refused(
    loans_csv: Path, capsys
) -> None:
    rules = write_rules(
        loans_csv.parent, [{"kind": "range", "column": "interest_rate", "high": 20}]
    )
    model = loans_csv.parent / "loans.genesis"
    status = main(
        ["fit", str(loans_csv), "-o", str(model), "--constraints", str(rules)]
    )
    assert status == 2
    assert "breaks Range('interest_rate'" in capsys.readouterr().err
    assert not model.exists()


def _readme_constraints_block(language: str) -> str:
    text = (REPO / "README.md").read_text()
    section = re.search(r"^### Constraints\n(.*?)^## ", text, re.S | re.M)
    assert section is not None, "README.md has no Constraints section"
    found = re.search(rf"```{language}\n(.*?)```", section.group(1), re.S)
    assert found is not None, f"the Constraints section has no {language} block"
    return found.group(1)


def test_readme_command_line_constraints_example_runs(
    loans_csv: Path, monkeypatch
) -> None:
    monkeypatch.chdir(loans_csv.parent)
    (loans_csv.parent / "rules.json").write_text(_readme_constraints_block("json"))
    commands = [
        shlex.split(line, comments=True)
        for line in _readme_constraints_block("bash").splitlines()
        if line.strip()
    ]
    for command in commands:
        assert command[0] == "genesis"
        assert main(command[1:]) == 0

    synthetic = pd.read_csv(loans_csv.parent / "synthetic.csv")
    assert len(synthetic) == 10_000
    assert paid_less_than_principal(synthetic) == 0


@pytest.fixture
def whole_number_dates(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 300), "D")
    end = start + pd.to_timedelta(rng.integers(0, 30, 300), "D")
    path = tmp_path / "orders.csv"
    pd.DataFrame(
        {
            "ordered": start.strftime("%Y%m%d").astype(int),
            "shipped": end.strftime("%Y%m%d").astype(int),
        }
    ).to_csv(path, index=False)
    return path


def read_days(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.astype(str), format="%Y%m%d", errors="coerce")


def test_dates_kept_as_whole_numbers_are_declared_with_datetime(
    whole_number_dates: Path,
) -> None:
    # Found trying the README as a new user: without a way to declare them,
    # 3,271 of 5,000 generated "dates" were numbers such as 20241182.
    rules = write_rules(
        whole_number_dates.parent,
        [{"kind": "inequality", "low": "ordered", "high": "shipped"}],
    )
    declared = ("--datetime", "ordered=%Y%m%d", "--datetime", "shipped=%Y%m%d")
    synthetic = fit_and_generate(
        whole_number_dates, *declared, "--constraints", str(rules)
    )
    ordered, shipped = read_days(synthetic["ordered"]), read_days(synthetic["shipped"])
    assert ordered.notna().all() and shipped.notna().all()
    assert (ordered <= shipped).all()

    undeclared = fit_and_generate(whole_number_dates)
    assert read_days(undeclared["ordered"]).isna().any()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ordered", "takes COLUMN=FORMAT"),
        ("orderd=%Y%m%d", "'orderd', which the table does not have"),
    ],
)
def test_a_bad_datetime_option_is_refused_naming_it(
    whole_number_dates: Path, spec: str, message: str, capsys
) -> None:
    model = whole_number_dates.parent / "m.genesis"
    status = main(
        ["fit", str(whole_number_dates), "-o", str(model), "--datetime", spec]
    )
    assert status == 2
    assert message in capsys.readouterr().err
