"""A command stopped by SIGTERM cleans up as one stopped by Ctrl-C; options
that contradict the output are refused.

A new user's `timeout 15 genesis generate ... -n 100000000` left a hidden
44 MB `.term.csv.cb82d8yl` behind, one more on every killed run: Python's
default for SIGTERM ends the process without running any clean-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")

RUN_CLI = "import sys; from genesis.cli import main; sys.exit(main(sys.argv[1:]))"


def test_sigterm_while_writing_removes_the_partial_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=200), "kind": ["a", "b"] * 100})
    table.to_csv(tmp_path / "data.csv", index=False)
    model = tmp_path / "m.genesis"
    assert main(["fit", str(tmp_path / "data.csv"), "-o", str(model)]) == 0

    output = tmp_path / "out" / "big.csv"
    command = [sys.executable, "-c", RUN_CLI, "generate", str(model)]
    process = subprocess.Popen(
        [*command, "-n", "100000000", "-o", str(output)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if output.parent.exists() and any(output.parent.iterdir()):
                break
            time.sleep(0.1)
        else:
            pytest.fail("generate wrote no file within 60 s")
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert "genesis: terminated" in err
    assert list(output.parent.iterdir()) == []
    assert os.path.exists(model)


def test_a_single_table_format_that_contradicts_the_suffix_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before, --format parquet wrote a CSV file to out.csv, exit 0.
    table = pd.DataFrame({"x": np.arange(50.0), "kind": ["a", "b"] * 25})
    table.to_csv(tmp_path / "data.csv", index=False)
    model = tmp_path / "m.genesis"
    assert main(["fit", str(tmp_path / "data.csv"), "-o", str(model)]) == 0
    output = tmp_path / "out.csv"
    generate = ["generate", str(model), "-n", "5", "-o", str(output)]

    assert main([*generate, "--format", "parquet"]) == 2
    assert "name the file out.parquet" in capsys.readouterr().err
    assert not output.exists()
    assert main([*generate, "--format", "csv"]) == 0
    assert len(pd.read_csv(output)) == 5
