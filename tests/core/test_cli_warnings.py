"""Every warning the command shows is a ``genesis: warning:`` line, and its
advice is a command the shell and ``genesis`` take as written.

Found by a new user's walk of the command line: fitting nycflights13 advised
``genesis fit --identifier name``, which the same command refuses for related
tables ("names no table; write TABLE.COLUMN"), without saying which of the
tables has the column; and orphan keys were reported in logging's format,
``WARNING genesis.multitable._orphans: ...``, naming a private module.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COPULA = ("--method", "gaussian_copula", "--seed", "0")
# The advice of the warning on a column of texts copied from real rows.
IDENTIFIER_ADVICE = re.compile(r"genesis fit (--identifier .+?)\); if it is free text")


def genesis(*argv: str) -> subprocess.CompletedProcess[str]:
    """The command, in a fresh interpreter: logging is set up per process."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from genesis.cli import main; sys.exit(main())",
            *argv,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "warning" in line.lower()]


def write_shop(folder: Path) -> None:
    """Customers with a note each (distinct texts), and orders of which 12
    name customers that do not exist."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    pd.DataFrame(
        {
            "customer_id": np.arange(1, 61),
            "note": [f"called on day {i} about order" for i in range(60)],
            "age": rng.integers(18, 80, 60),
        }
    ).to_csv(folder / "customers.csv", index=False)
    owners = rng.integers(1, 61, 150)
    owners[:12] = 900 + np.arange(12) % 3
    pd.DataFrame(
        {
            "order_id": np.arange(1000, 1150),
            "customer_id": owners,
            "total": rng.gamma(2.0, 40.0, 150).round(2),
        }
    ).to_csv(folder / "orders.csv", index=False)


def test_related_tables_warnings_are_genesis_lines_naming_their_table(
    tmp_path: Path,
) -> None:
    shop = tmp_path / "shop"
    write_shop(shop)

    done = genesis("fit", str(shop), "-o", str(tmp_path / "m.genesis"), *COPULA)

    assert done.returncode == 0, done.stderr
    lines = warning_lines(done.stderr)
    assert lines and all(line.startswith("genesis: warning: ") for line in lines)
    assert "genesis.multitable" not in done.stderr
    orphans = [line for line in lines if "orders.customer_id" in line]
    assert len(orphans) == 1
    assert "12 of the 150 rows of table 'orders' name no row of table " in orphans[0]
    notes = [line for line in lines if "'note'" in line]
    assert len(notes) == 1
    assert notes[0].startswith("genesis: warning: Table 'customers': column 'note'")


def test_the_identifier_advice_of_related_tables_is_a_flag_fit_takes(
    tmp_path: Path,
) -> None:
    shop = tmp_path / "shop"
    write_shop(shop)
    model = str(tmp_path / "m.genesis")
    first = genesis("fit", str(shop), "-o", model, *COPULA)
    advice = IDENTIFIER_ADVICE.search(first.stderr)
    assert advice, first.stderr
    assert advice.group(1) == "--identifier customers.note"

    again = genesis("fit", str(shop), "-o", model, *COPULA, *shlex.split(advice[1]))

    assert again.returncode == 0, again.stderr
    assert "'note' holds" not in again.stderr


def test_the_identifier_advice_quotes_a_name_with_spaces(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {
            "full name": [f"Person Number {i}" for i in range(80)],
            "age": rng.integers(18, 80, 80),
        }
    ).to_csv(data, index=False)
    model = str(tmp_path / "m.genesis")
    first = genesis("fit", str(data), "-o", model, *COPULA)
    advice = IDENTIFIER_ADVICE.search(first.stderr)
    assert advice, first.stderr

    flag = shlex.split(advice[1])

    assert flag == ["--identifier", "full name"]
    again = genesis("fit", str(data), "-o", model, *COPULA, *flag)
    assert again.returncode == 0, again.stderr
    assert "holds 80 distinct texts" not in again.stderr
