"""The command never writes over a file it reads, nor over a table it did
not write.

Found by a new user's walk of the command line: ``genesis fit pen.csv -o
pen.csv`` left a model where the real table was, ``evaluate --json pen.csv``
a page of scores, and ``generate -o pen.csv`` five synthetic rows in place of
344 real ones; each exited 0.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.cli import main

COPULA = ("--method", "gaussian_copula", "--seed", "0")


@pytest.fixture
def table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "species": rng.choice(["Adelie", "Gentoo"], 60),
            "mass": rng.normal(4200.0, 500.0, 60).round(),
        }
    )
    path = tmp_path / "pen.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def model(table: Path) -> Path:
    path = table.with_name("pen.genesis")
    assert main(["fit", str(table), "-o", str(path), *COPULA]) == 0
    return path


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The message of a command that must exit 2."""
    capsys.readouterr()
    assert main(argv) == 2
    return capsys.readouterr().err


def spellings(path: Path) -> dict[str, Path]:
    """Other names of the file at ``path``: a longer path, a symbolic link
    and a hard link."""
    folder = path.parent
    (folder / "sub").mkdir(exist_ok=True)
    symbolic, hard = folder / "link.csv", folder / "hard.csv"
    symbolic.symlink_to(path.name)
    os.link(path, hard)
    return {
        "same": path,
        "detour": folder / "sub" / ".." / path.name,
        "symbolic": symbolic,
        "hard": hard,
    }


@pytest.mark.parametrize("spelling", ["same", "detour", "symbolic", "hard"])
def test_fit_never_writes_its_model_over_the_table_it_reads(
    table: Path, spelling: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table.read_bytes()
    output = spellings(table)[spelling]

    message = refused(["fit", str(table), "-o", str(output), *COPULA], capsys)

    assert message.startswith(f"genesis: -o/--output {str(output)!r} is ")
    assert "the table" in message
    assert table.read_bytes() == before


def test_fit_replaces_a_model_but_no_other_file(
    table: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = table.with_name("notes.txt")
    notes.write_text("field notes\n", encoding="utf-8")

    message = refused(["fit", str(table), "-o", str(notes), *COPULA], capsys)

    assert f"{str(notes)!r} exists and is not a Genesis model file" in message
    assert notes.read_text(encoding="utf-8") == "field notes\n"
    # Fitting again over its own model is what -o is for.
    assert main(["fit", str(table), "-o", str(model), *COPULA]) == 0


def test_generate_replaces_an_existing_file_only_with_overwrite(
    table: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table.read_bytes()
    command = ["generate", str(model), "-n", "5", "-o", str(table)]

    message = refused(command, capsys)

    assert f"{str(table)!r} exists already" in message and "--overwrite" in message
    assert table.read_bytes() == before
    assert main([*command, "--overwrite"]) == 0
    assert len(pd.read_csv(table)) == 5


def test_generate_never_writes_over_its_model(
    model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["generate", str(model), "-n", "5", "-o", str(model), "--overwrite"]

    message = refused(command, capsys)

    assert f"{str(model)!r} is the model" in message
    assert SyntheticGenerator.load(model).generate(3).shape == (3, 2)


@pytest.mark.parametrize(
    ("option", "target", "role"),
    [
        ("--json", "real", "the real table"),
        ("--html", "synthetic", "the synthetic table"),
        ("--json", "holdout", "the --holdout file"),
    ],
)
def test_evaluate_never_writes_a_report_over_a_table_it_reads(
    table: Path,
    model: Path,
    option: str,
    target: str,
    role: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    synthetic, holdout = table.with_name("syn.csv"), table.with_name("hold.csv")
    assert main(["generate", str(model), "-n", "40", "-o", str(synthetic)]) == 0
    pd.read_csv(table).head(20).to_csv(holdout, index=False)
    paths = {"real": table, "synthetic": synthetic, "holdout": holdout}
    before = paths[target].read_bytes()
    command = ["evaluate", str(table), str(synthetic), "--holdout", str(holdout)]

    message = refused([*command, option, str(paths[target])], capsys)

    assert f"{option} {str(paths[target])!r} is {role}" in message
    assert paths[target].read_bytes() == before


def test_evaluate_refuses_one_file_for_both_reports(
    table: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = table.with_name("report.out")
    command = ["evaluate", str(table), str(table), "--properties", "none"]

    message = refused([*command, "--json", str(report), "--html", str(report)], capsys)

    assert "--json and --html both name" in message
    assert not report.exists()


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    rng = np.random.default_rng(1)
    pd.DataFrame(
        {"customer_id": np.arange(1, 31), "age": rng.integers(18, 80, 30)}
    ).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame(
        {
            "order_id": np.arange(100, 190),
            "customer_id": rng.integers(1, 31, 90),
            "total": rng.gamma(2.0, 30.0, 90).round(2),
        }
    ).to_csv(folder / "orders.csv", index=False)
    return folder


def test_related_tables_commands_never_write_over_the_tables_they_read(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = shop / "orders.csv"
    before = orders.read_bytes()
    schema = shop.parent / "schema.json"
    assert main(["schema", str(shop), "-o", str(schema)]) == 0
    model = shop.parent / "shop.genesis"
    assert main(["fit", str(shop), "-o", str(model), *COPULA]) == 0
    out = shop.parent / "synthetic"
    assert main(["generate", str(model), "-o", str(out)]) == 0

    commands = {
        "fit": ["fit", str(shop), "-o", str(orders), *COPULA],
        "fit over the schema": [
            "fit",
            str(shop),
            "--schema",
            str(schema),
            "-o",
            str(schema),
        ],
        "schema": ["schema", str(shop), "-o", str(orders)],
        "evaluate": ["evaluate", str(shop), str(out), "--json", str(orders)],
    }
    for name, command in commands.items():
        message = refused(command, capsys)
        assert "which this command reads" in message, name
    assert orders.read_bytes() == before
    assert schema.read_text(encoding="utf-8").startswith("{")


def test_related_tables_generate_never_writes_a_table_over_its_model(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A model saved as customers.csv in the folder the tables go to.
    folder = shop.parent / "out"
    model = folder / "customers.csv"
    assert main(["fit", str(shop), "-o", str(model), *COPULA]) == 0

    command = ["generate", str(model), "-o", str(folder), "--overwrite"]
    message = refused(command, capsys)

    assert "table 'customers'" in message and "is the model" in message
    assert main(["generate", str(model), "-o", str(shop.parent / "fresh")]) == 0
