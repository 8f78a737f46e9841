"""Files, Dask frames and plugins, on the shapes users reported against peers.

Each test names the peer report whose input shape it replays (SDV, dask,
pyarrow and plugin hosts); the claim is what Genesis owes the user there.
"""

from __future__ import annotations

import datetime as dt
import decimal
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidDataError, SyntheticGenerator
from genesis._registry import get_registry, reset_registry

N_TRAIN = 400


def _sparse(values: list[Any], seed: int = 0) -> pd.Series:
    """An object column missing in all rows but ``len(values)`` scattered ones."""
    rng = np.random.default_rng(seed)
    column = pd.Series([None] * N_TRAIN, dtype=object)
    rows = rng.choice(N_TRAIN, len(values), replace=False)
    column[rows] = pd.Series(values, dtype=object).to_numpy()
    return column


def _fitted(column: pd.Series) -> SyntheticGenerator:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=len(column)), "v": column})
    generator = SyntheticGenerator(method="gaussian_copula", seed=3)
    return generator.fit(frame, progress=False)


def _cells(column: pd.Series) -> list[Any]:
    """The column's values, with every kind of missing marker as None."""
    return [None if pd.isna(value) else value for value in column]


# -- Parquet written in batches (pyarrow 2805, turbodbc 185) -------------------

# Columns whose first batch of one row is (almost surely) missing, or whose
# first values need a narrower Arrow type than later ones.
OBJECT_COLUMNS = {
    "sparse ints": _sparse([1, 2, 3, 4, 5, 6, 7, 8]),
    "sparse booleans": _sparse([True, False] * 4),
    "sparse dates": _sparse([dt.date(2020, 1, day) for day in range(1, 9)]),
    "decimals of growing scale": pd.Series(
        [decimal.Decimal("1.5"), decimal.Decimal("12345.678")] * (N_TRAIN // 2),
        dtype=object,
    ),
}


@pytest.mark.parametrize("kind", OBJECT_COLUMNS)
def test_parquet_batches_keep_object_values_whatever_the_first_batch_holds(
    kind: str, tmp_path: Path
) -> None:
    pytest.importorskip("pyarrow")
    generator = _fitted(OBJECT_COLUMNS[kind])
    expected = pd.concat(generator.iter_batches(150, 1, seed=5))

    generator.generate_to(tmp_path / "rows.parquet", 150, 1, seed=5)
    written = pd.read_parquet(tmp_path / "rows.parquet")

    # Parquet gives integers with gaps back as floats; 1.0 == 1 compares equal.
    assert _cells(written["v"]) == _cells(expected["v"])


def test_parquet_refuses_a_column_of_mixed_types_before_writing(
    tmp_path: Path,
) -> None:
    pytest.importorskip("pyarrow")
    zip_codes = pd.Series(["02134", 10001] * (N_TRAIN // 2), dtype=object)
    with pytest.warns(UserWarning, match="mixes value types"):
        generator = _fitted(zip_codes)

    with pytest.raises(InvalidDataError, match=r"column 'v'.*\.csv"):
        generator.generate_to(tmp_path / "rows.parquet", 100, 10, seed=5)
    assert list(tmp_path.iterdir()) == []


def test_parquet_names_a_column_arrow_cannot_write(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    # pd.cut gives a categorical of Intervals, which Parquet cannot hold.
    bins = pd.cut(rng.normal(size=N_TRAIN), 4)
    generator = _fitted(pd.Series(bins))

    with pytest.raises(InvalidDataError, match=r"column 'v' of dtype category.*csv"):
        generator.generate_to(tmp_path / "rows.parquet", 100, 10, seed=5)
    assert list(tmp_path.iterdir()) == []


# -- Dask (dask 10139 and 11117; dask 8010) ------------------------------------


def test_dask_partitions_keep_object_values_and_dtypes() -> None:
    pytest.importorskip("dask.dataframe")
    generator = _fitted(_sparse([1, 2, 3, 4, 5, 6, 7, 8]))
    expected = pd.concat(generator.iter_batches(500, 100, seed=5))

    # The frame is exact; writing it as Parquet needs typed columns, and the
    # user is told so before any work.
    with pytest.warns(UserWarning, match=r"\['v'\].*'int'.*to_parquet"):
        frame = generator.generate_dask(500, 3, seed=5)
    rows = frame.compute(scheduler="sync")

    pd.testing.assert_frame_equal(rows, expected, check_index_type=False)


@pytest.mark.parametrize(
    "values",
    [[1, 2, 3, 4, 5, 6, 7, 8], [decimal.Decimal("1.25"), decimal.Decimal("20.5")]],
    ids=["ints", "decimals"],
)
def test_dask_writes_parquet_with_the_generators_schema(
    tmp_path: Path, values: list[Any]
) -> None:
    # dask's to_parquet cannot type an object column of numbers (it raised
    # ArrowInvalid inside dask); the warning pointed at a manual conversion.
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    generator = _fitted(_sparse(values))
    expected = pd.concat(generator.iter_batches(300, 100, seed=5))

    with pytest.warns(UserWarning, match=r"schema=generator\.parquet_schema\(\)"):
        frame = generator.generate_dask(300, 3, seed=5)
    frame.to_parquet(
        tmp_path / "parts", schema=generator.parquet_schema(), write_index=False
    )

    written = pd.read_parquet(tmp_path / "parts")
    assert _cells(written["v"]) == _cells(expected["v"])
    assert written["v"].notna().sum() > 0
    np.testing.assert_array_equal(written["x"], expected["x"])


def test_dask_frame_with_non_string_names_warns_before_to_parquet(
    tmp_path: Path,
) -> None:
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    data = pd.DataFrame({0: rng.normal(size=50), "b": rng.choice(["p", "q"], 50)})
    generator = SyntheticGenerator(method="gaussian_copula", seed=3)
    generator.fit(data, progress=False)

    with pytest.warns(UserWarning, match=r"\[0\].*to_parquet.*astype\(str\)"):
        frame = generator.generate_dask(40, 2, seed=5)
    frame.columns = frame.columns.astype(str)
    frame.to_parquet(tmp_path / "parts")
    written = pd.read_parquet(tmp_path / "parts")

    expected = pd.concat(generator.iter_batches(40, 40, seed=5))
    assert list(written.columns) == ["0", "b"]
    assert written["0"].tolist() == expected[0].tolist()


# -- paths (SDV save/load; DESC 1670 and dace 1578 for "~") --------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, and a working folder beside it."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return folder


def test_save_load_and_generate_to_expand_the_home_folder(home: Path) -> None:
    generator = _fitted(_sparse([1, 2, 3]))

    generator.save("~/models/model.genesis")
    loaded = SyntheticGenerator.load("~/models/model.genesis")
    loaded.generate_to("~/out/rows.csv", 20, seed=5)

    assert (home / "models" / "model.genesis").is_file()
    assert len(pd.read_csv(home / "out" / "rows.csv")) == 20
    assert not (home.parent / "work" / "~").exists()


def test_save_over_a_folder_is_refused_naming_it(tmp_path: Path) -> None:
    generator = _fitted(_sparse([1, 2, 3]))
    (tmp_path / "model.genesis").mkdir()

    with pytest.raises(IsADirectoryError, match=r"model\.genesis' is a folder"):
        generator.save(tmp_path / "model.genesis")
    assert [p.name for p in tmp_path.iterdir()] == ["model.genesis"]


def test_generate_to_a_folder_is_refused_before_generating(tmp_path: Path) -> None:
    generator = _fitted(_sparse([1, 2, 3]))
    (tmp_path / "rows.csv").mkdir()
    made: list[int] = []

    with pytest.raises(IsADirectoryError, match=r"rows\.csv' is a folder"):
        generator.generate_to(
            tmp_path / "rows.csv", 50_000, 1_000, progress=lambda e: made.append(e)
        )
    assert made == []


def test_a_file_where_a_folder_should_be_is_named(tmp_path: Path) -> None:
    generator = _fitted(_sparse([1, 2, 3]))
    (tmp_path / "models").write_text("not a folder")

    with pytest.raises(NotADirectoryError, match=r"models' is a file"):
        generator.save(tmp_path / "models" / "model.genesis")
    with pytest.raises(NotADirectoryError, match=r"models' is a file"):
        generator.generate_to(tmp_path / "models" / "rows.csv", 10)


def test_save_through_a_link_updates_the_file_it_points_to(tmp_path: Path) -> None:
    generator = _fitted(_sparse([1, 2, 3]))
    (tmp_path / "v1.genesis").write_bytes(b"an older model")
    (tmp_path / "current.genesis").symlink_to(tmp_path / "v1.genesis")

    generator.save(tmp_path / "current.genesis")
    generator.generate_to(tmp_path / "rows.csv", 5, seed=5)
    (tmp_path / "latest.csv").symlink_to(tmp_path / "rows.csv")
    generator.generate_to(tmp_path / "latest.csv", 7, seed=5)

    assert (tmp_path / "current.genesis").is_symlink()
    assert SyntheticGenerator.load(tmp_path / "v1.genesis").method_ == "gaussian_copula"
    assert (tmp_path / "latest.csv").is_symlink()
    assert len(pd.read_csv(tmp_path / "rows.csv")) == 7


# -- plugins (wheels 2975 and scope 446: a failing hook; pluggy 48: a typo) ------


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a plugin module, found through its entry point like any other."""

    def install(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{name}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n"
        )
        (info / "entry_points.txt").write_text(f"[genesis]\n{name} = {name}\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        reset_registry()

    yield install
    monkeypatch.undo()
    reset_registry()


def _copula_works() -> bool:
    data = pd.DataFrame({"a": np.arange(20.0)})
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    return len(generator.fit(data, progress=False).generate(5)) == 5


def test_plugin_whose_hook_raises_is_reported_and_breaks_nothing(
    install_plugin,
) -> None:
    install_plugin(
        "genesis_failing_hook",
        """
        from genesis.plugins import hookimpl

        @hookimpl
        def genesis_register_generators(registry):
            registry.register_lazy("half", "numpy", "nowhere:Half")
            raise RuntimeError("licence file not found")
        """,
    )
    registry = get_registry()
    plugin = {p.name: p for p in registry.plugins}["genesis_failing_hook"]

    assert plugin.error == (
        "genesis_register_generators: RuntimeError: licence file not found"
    )
    # What the plugin registered before it failed is withdrawn with it.
    assert "half" not in registry.generators.methods()
    assert plugin.generators == []
    assert _copula_works()


def test_plugin_with_a_misspelt_hook_is_reported_not_listed_as_fine(
    install_plugin,
) -> None:
    install_plugin(
        "genesis_misspelt_hook",
        """
        from genesis.plugins import hookimpl

        class Half:
            method, backend = "half", "numpy"

        @hookimpl
        def genesis_register_generator(registry):
            registry.register(Half)
        """,
    )
    registry = get_registry()
    plugin = {p.name: p for p in registry.plugins}["genesis_misspelt_hook"]

    assert "unknown hook 'genesis_register_generator'" in (plugin.error or "")
    assert _copula_works()
