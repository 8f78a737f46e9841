"""Rules written as data become constraints: ``constraints_from_rules`` on a
list, ``read_constraints`` on the JSON file ``genesis fit --constraints``
reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import genesis.constraints
from genesis import SyntheticGenerator
from genesis.constraints import (
    FixedCombinations,
    Inequality,
    Range,
    constraints_from_rules,
    read_constraints,
)
from genesis.errors import InvalidConfigError
from tests.conftest import REPO

RULES = [
    {"kind": "inequality", "low": "start", "high": "end", "strict": True},
    {"type": "range", "column": "age", "low": 18, "high": 99},
    {"kind": "fixed_combinations", "columns": ["city", "state"]},
]
EXPECTED = [
    "Inequality('start', 'end', strict=True)",
    "Range('age', low=18, high=99)",
    "FixedCombinations(['city', 'state'])",
]


def test_rules_become_constraints_in_their_order() -> None:
    constraints = constraints_from_rules(RULES)

    assert [type(c) for c in constraints] == [Inequality, Range, FixedCombinations]
    assert [repr(c) for c in constraints] == EXPECTED


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([RULES[0], "range"], 'Rule 2: each rule must be a JSON object with a "kind"'),
        ([RULES[0], RULES[1], {"kind": "ineq"}], "Rule 3: .*kind 'ineq'"),
        ([{"column": "x"}], 'Rule 1: .*has no "kind"'),
        (
            [RULES[2], {"kind": "inequality", "low": "a"}],
            "Rule 2: .*lacks \\['high'\\]",
        ),
        ([{**RULES[1], "hi": 3}], "Rule 1: .*not \\['hi'\\]"),
        ([RULES[0], {"kind": "range", "column": "x"}], "Rule 2: Range\\('x'\\) needs"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_position(rules: list, expected: str) -> None:
    with pytest.raises(InvalidConfigError, match=expected):
        constraints_from_rules(rules)


@pytest.mark.parametrize("rules", [RULES[0], json.dumps(RULES), None])
def test_rules_that_are_not_a_list_are_refused(rules: object) -> None:
    with pytest.raises(InvalidConfigError, match="takes a list of rules"):
        constraints_from_rules(rules)  # type: ignore[arg-type]


def test_read_constraints_reads_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")

    assert [repr(c) for c in read_constraints(path)] == EXPECTED
    assert [repr(c) for c in read_constraints(str(path))] == EXPECTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps([RULES[0], {"kind": "ineq"}]), ", rule 2: .*kind 'ineq'"),
        ('[{"kind": "range",}]', " is not valid JSON: .* line 1"),
        (json.dumps(RULES[0]), " must hold a JSON list of rules.* it holds a dict"),
    ],
)
def test_read_constraints_names_the_file_and_the_rule(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "rules.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InvalidConfigError) as refused:
        read_constraints(path)

    message = str(refused.value)
    assert message.startswith(f"Constraints file {str(path)!r}")
    assert re.search(expected, message), message


def test_read_constraints_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigError, match=r"nowhere\.json' cannot be read"):
        read_constraints(tmp_path / "nowhere.json")


def _readme_constraints_section() -> str:
    text = (REPO / "README.md").read_text()
    section = re.search(r"^### Constraints\n(.*?)^## ", text, re.S | re.M)
    assert section is not None, "README.md has no Constraints section"
    return section.group(1)


def test_readme_python_call_loads_the_rules_file(tmp_path: Path, monkeypatch) -> None:
    section = _readme_constraints_section()
    rules = re.search(r"```json\n(.*?)```", section, re.S)
    call = re.search(r"`(genesis\.constraints\.read_constraints\(.*?\))`", section)
    assert rules is not None and call is not None
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.json").write_text(rules.group(1), encoding="utf-8")

    constraints = eval(call.group(1), {"genesis": genesis})

    rng = np.random.default_rng(3)
    principal = rng.normal(5_000, 1_500, 200).round(2)
    sub_grades = rng.choice(["A1", "A2", "B1"], 200)
    loans = pd.DataFrame(
        {
            "paid_principal": principal,
            "paid_total": (principal + rng.exponential(80, 200)).round(2),
            "interest_rate": rng.uniform(5, 30, 200).round(2),
            "sub_grade": sub_grades,
            "grade": [grade[0] for grade in sub_grades],
        }
    )
    generator = SyntheticGenerator(
        method="gaussian_copula", constraints=constraints, seed=0
    ).fit(loans)
    synthetic = generator.generate(500)

    assert len(constraints) == 3
    assert (synthetic["paid_principal"] <= synthetic["paid_total"]).all()
    assert synthetic["interest_rate"].between(0, 40).all()
    assert (synthetic["sub_grade"].str[0] == synthetic["grade"]).all()


def test_kinds_are_read_as_the_classes_are_named() -> None:
    made = constraints_from_rules(
        [
            {"kind": "Inequality", "low": "a", "high": "b"},
            {"kind": "FixedCombinations", "columns": ["c", "d"]},
            {"kind": "fixed-combinations", "columns": ["c", "d"]},
        ]
    )
    assert [type(c).__name__ for c in made] == [
        "Inequality",
        "FixedCombinations",
        "FixedCombinations",
    ]


def test_a_range_given_column_names_points_to_inequalities() -> None:
    with pytest.raises(InvalidConfigError, match=r"Inequality\('opened', 'shipped'\)"):
        constraints_from_rules(
            [{"kind": "range", "column": "shipped", "low": "opened"}]
        )
