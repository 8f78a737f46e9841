"""A column with no name in the header: kept empty, or refused by position.

A spreadsheet that ends each line with the separator writes a header such as
``a,b,``: pandas names the empty field ``Unnamed: 2``, and ``genesis
generate`` wrote that name, one the user never gave, as a column of the
synthetic file. Now a nameless column with nothing in it is left out of the
fit and written back where it was, empty and nameless, so the synthetic file
has the real one's header; a nameless column that holds values is refused,
naming the field, since any name Genesis gave it would be invented.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genesis._table_files import read_table, read_table_and_layout
from genesis.cli import main

COPULA = ("--method", "gaussian_copula", "--seed", "0")


def lines_of(header: str, rows: list[list[str]], separator: str = ",") -> str:
    return "".join(
        separator.join(fields) + "\n" for fields in [header.split(","), *rows]
    )


def numbered_rows(blank_at: list[int], width: int, n_rows: int = 40) -> list[list[str]]:
    """Rows of a code and a number, with empty fields at ``blank_at``."""
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(n_rows):
        values = iter([rng.choice(["x", "y"]), str(int(rng.integers(0, 50)))])
        rows.append(["" if p in blank_at else next(values) for p in range(width)])
    return rows


@pytest.mark.parametrize(
    ("header", "blank_at", "separator"),
    [("code,n,", [2], ","), ("code,,n", [1], ","), ("code,n,", [2], ";")],
)
def test_a_nameless_empty_column_comes_back_where_it_was(
    tmp_path: Path, header: str, blank_at: list[int], separator: str
) -> None:
    data = tmp_path / "data.csv"
    data.write_text(
        lines_of(header, numbered_rows(blank_at, 3), separator), encoding="utf-8"
    )
    model, out = tmp_path / "m.genesis", tmp_path / "out.csv"

    assert list(read_table(data).columns) == ["code", "n"]
    assert main(["fit", str(data), "-o", str(model), *COPULA]) == 0
    assert main(["generate", str(model), "-n", "6", "-o", str(out)]) == 0

    written = out.read_text(encoding="utf-8").splitlines()
    assert written[0] == header.replace(",", separator)
    for line in written[1:]:
        fields = line.split(separator)
        assert len(fields) == 3
        assert [fields[p] for p in blank_at] == [""]
    assert list(read_table(out).columns) == ["code", "n"]


def test_a_nameless_column_with_values_is_refused_by_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    rows = numbered_rows([1], 3)
    rows[4][1] = "7"
    data.write_text(lines_of("code,,n", rows), encoding="utf-8")

    assert main(["fit", str(data), "-o", str(tmp_path / "m.genesis"), *COPULA]) == 2

    assert capsys.readouterr().err == (
        f"genesis: {data}: field 2 of the header has no name, but its column "
        "holds values ('7' at line 6). Name the column in the header.\n"
    )


def test_the_layout_keeps_the_positions_of_nameless_empty_columns(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data.csv"
    data.write_text(lines_of(",code,n,", numbered_rows([0, 3], 4)), encoding="utf-8")

    frame, layout = read_table_and_layout(data)

    assert list(frame.columns) == ["code", "n"]
    assert layout is not None and layout.blank_columns == (0, 3)
