"""``method="auto"``: the selection chart, its reasons and its fallback."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis._auto import choose_method
from genesis.metadata import TableMetadata

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("genesis_torch") is None
    or importlib.util.find_spec("torch") is None,
    reason="genesis-synth-torch is not installed",
)


def census_like(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """A generated table shaped like Adult: ages, hours, a few categories."""
    rng = np.random.default_rng(seed)
    age = rng.integers(17, 91, n_rows)
    return pd.DataFrame(
        {
            "age": age,
            "hours": np.clip(rng.normal(40, 12, n_rows).round(), 1, 99).astype(int),
            "score": rng.normal(0.0, 1.0, n_rows) + age / 50,
            "workclass": rng.choice(["Private", "Self-emp", "Gov"], n_rows),
            "sex": rng.choice(["Female", "Male"], n_rows),
        }
    )


def choose(frame: pd.DataFrame, gpu: bool = False) -> tuple[str, list[str]]:
    """The chart's choice, whatever backends this environment has."""
    return choose_method(frame, TableMetadata.infer(frame), gpu, fallback=False)


def test_auto_fits_the_copula_on_penguins(
    shared_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    penguins = pd.read_csv(shared_data / "penguins.csv")

    with caplog.at_level(logging.INFO, logger="genesis._auto"):
        generator = SyntheticGenerator(method="auto", seed=0).fit(
            penguins, progress=False
        )

    assert generator.method_ == "gaussian_copula"
    assert generator.method_reasons_ == [
        "344 rows (under 10000) and no multimodal, heavily skewed or "
        "over-100-category column"
    ]
    assert "Chose method 'gaussian_copula' for 344 rows" in caplog.text
    assert len(generator.generate(50)) == 50


def test_auto_picks_tvae_for_adult_sized_tables() -> None:
    method, reasons = choose(census_like(32_561))

    assert method == "tvae"
    assert reasons == ["32561 rows (between 10000 and 100000)"]


@needs_torch
def test_auto_fits_tvae_end_to_end_on_adult_sized_data() -> None:
    frame = census_like(32_561, seed=1)

    generator = SyntheticGenerator(
        method="auto", config={"epochs": 1}, backend="torch", seed=0
    ).fit(frame, progress=False)

    assert (generator.method_, generator.backend_) == ("tvae", "torch")
    assert generator.method_reasons_ == ["32561 rows (between 10000 and 100000)"]
    assert (
        generator.generate(10)["workclass"].isin(["Private", "Self-emp", "Gov"]).all()
    )


def test_auto_picks_ctgan_over_100k_rows_and_says_where_it_runs() -> None:
    frame = census_like(100_001)

    on_cpu = choose(frame, gpu=False)
    on_gpu = choose(frame, gpu=True)

    assert on_cpu == (
        "ctgan",
        ["100001 rows (over 100000); CTGAN on the CPU (no GPU found)"],
    )
    assert on_gpu == ("ctgan", ["100001 rows (over 100000); CTGAN on the GPU"])


def test_small_table_with_two_separated_modes_goes_to_tvae() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "delay": np.concatenate([rng.normal(5, 2, 800), rng.normal(60, 8, 700)]),
            "gate": rng.choice(["A", "B"], 1_500),
        }
    )

    method, reasons = choose(frame)

    assert method == "tvae"
    assert "'delay' has 2 modes" in reasons[0]


def test_small_table_with_a_skewed_column_or_many_categories_goes_to_tvae() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "income": rng.lognormal(10, 1.2, 2_000),
            "city": [f"city-{i}" for i in rng.integers(0, 150, 2_000)],
        }
    )

    method, reasons = choose(frame)

    assert method == "tvae"
    assert "'income' is heavily skewed" in reasons[0]
    assert "'city' has 150 categories" in reasons[0]


def test_few_valued_numbers_and_mild_humps_stay_with_the_copula() -> None:
    rng = np.random.default_rng(4)
    # Two humps whose dip is shallow, as penguins' flipper length; a year
    # column with three values, as penguins' year.
    frame = pd.DataFrame(
        {
            "length": np.concatenate(
                [rng.normal(190, 7, 300), rng.normal(214, 7, 150)]
            ),
            "year": rng.choice([2007, 2008, 2009], 450),
        }
    )

    assert choose(frame)[0] == "gaussian_copula"


def test_auto_falls_back_to_the_copula_with_a_warning_when_no_backend(
    tmp_path: Path,
) -> None:
    # A fresh interpreter in which the torch and jax plugins cannot be
    # imported, as on a machine with the core alone.
    script = textwrap.dedent(
        """
        import sys, warnings
        sys.modules["genesis_torch"] = None
        sys.modules["genesis_jax"] = None
        import numpy as np, pandas as pd
        from genesis import SyntheticGenerator
        rng = np.random.default_rng(0)
        frame = pd.DataFrame({"x": rng.normal(size=12_000),
                              "c": rng.choice(["a", "b"], 12_000)})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            generator = SyntheticGenerator(method="auto", seed=0).fit(
                frame, progress=False)
        print("METHOD", generator.method_)
        print("REASONS", " | ".join(generator.method_reasons_))
        for warning in caught:
            if issubclass(warning.category, UserWarning):
                print("WARNING", warning.message, "AT", warning.filename)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    lines = result.stdout.splitlines()

    assert "METHOD gaussian_copula" in lines
    assert (
        "REASONS 12000 rows (between 10000 and 100000) | no backend installed for "
        "'tvae': fell back to the copula"
    ) in lines
    warning = next(line for line in lines if line.startswith("WARNING"))
    assert "chose 'tvae'" in warning and "genesis-synth-torch" in warning
    # stacklevel points at the caller's line, not inside genesis.
    assert warning.endswith("AT <string>")
