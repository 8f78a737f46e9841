"""README.md opens with the two commands, and CI runs the second one."""

from __future__ import annotations

import re
import shutil

import pandas as pd

from genesis import SyntheticGenerator
from tests.conftest import REPO


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("# "), "README.md should start with its title"
    assert lines[1] == "```bash", "the commands should come right after the title"
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "genesis demo" in commands[0]
    assert "genesis-core" in commands[0]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()


def _python_block(section: str) -> str:
    text = (REPO / "README.md").read_text()
    found = re.search(
        rf"^## {re.escape(section)}\n.*?```python\n(.*?)```", text, re.S | re.M
    )
    assert found is not None, f"README.md has no Python example under {section!r}"
    return found.group(1)


def test_readme_python_example_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(_python_block("Python"), "README.md#python", "exec"), namespace)
    assert namespace["report"].score > 0.8  # type: ignore[attr-defined]
    assert (tmp_path / "report.html").exists()
    assert (tmp_path / "adult.genesis").exists()


def test_readme_related_tables_example_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    airports = pd.DataFrame(
        {
            "faa": [f"A{i:02d}" for i in range(30)],
            "alt": rng.integers(0, 3000, 30),
            "tz": rng.choice([-5, -6, -8], 30),
        }
    )
    flights = pd.DataFrame(
        {
            "id": np.arange(400),
            "origin": rng.choice(airports["faa"].iloc[:5], 400),
            "dest": rng.choice(airports["faa"], 400),
            "delay": rng.normal(10, 30, 400).round(),
        }
    )
    namespace: dict[str, object] = {
        "tables": {"airports": airports, "flights": flights}
    }
    exec(
        compile(_python_block("Related tables"), "README.md#tables", "exec"), namespace
    )
    database = namespace["database"]
    assert len(database["airports"]) == 60  # type: ignore[index]
    assert database["flights"]["origin"].isin(database["airports"]["faa"]).all()  # type: ignore[index]
    assert (tmp_path / "flights.genesis").exists()
    again = namespace["same"].generate(scale=2.0)  # type: ignore[attr-defined]
    assert list(again) == list(database)  # type: ignore[arg-type]


def test_readme_constraints_example_runs(tmp_path, monkeypatch, shared_data) -> None:
    text = (REPO / "README.md").read_text()
    found = re.search(r"^### Constraints\n.*?```python\n(.*?)```", text, re.S | re.M)
    assert found is not None
    # The example's TVAE trains 300 epochs; the copula keeps the test quick and
    # the rules are the same.
    code = found.group(1).replace('method="tvae"', 'method="gaussian_copula"')
    assert 'method="gaussian_copula"' in code
    monkeypatch.chdir(tmp_path)
    shutil.copy(shared_data / "loans.csv", tmp_path / "loans.csv")
    namespace: dict[str, object] = {"SyntheticGenerator": SyntheticGenerator}
    exec(compile(code, "README.md#constraints", "exec"), namespace)
    synthetic = namespace["synthetic"]
    assert isinstance(synthetic, pd.DataFrame) and len(synthetic) == 10_000
    assert (synthetic["paid_principal"] <= synthetic["paid_total"]).all()
    assert synthetic["interest_rate"].between(0, 40).all()
    real = pd.read_csv(tmp_path / "loans.csv")
    seen = set(zip(real["sub_grade"], real["grade"], strict=True))
    assert set(zip(synthetic["sub_grade"], synthetic["grade"], strict=True)) <= seen
