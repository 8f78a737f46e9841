"""A child keyed by (foreign key, own column) keeps every row its parents ask for.

Each parent has many hours; the model draws hours independently, so two
rows of one parent often share an hour. The repeated hour must be replaced
by one the parent lacks, never dropped with its row.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis.evaluation import evaluate_multitable
from genesis.metadata import TableMetadata
from genesis.multitable import MultiTableGenerator, RelationalSchema, detect_schema
from genesis.multitable._keys import make_unique

NYCFLIGHTS = (
    Path(
        os.environ.get(
            "GENESIS_SHARED_DATA", Path(__file__).parents[2].parent / "shared" / "data"
        )
    )
    / "nycflights13"
)
HOURS = 40


def hourly_tables(hour_kind: str) -> dict[str, pd.DataFrame]:
    """3 stations, each with a reading per hour for ``HOURS`` hours."""
    rng = np.random.default_rng(0)
    stations = pd.DataFrame({"station": ["a", "b", "c"], "alt": [10.0, 250.0, 900.0]})
    hours = pd.date_range("2024-01-01", periods=HOURS, freq="h", tz="UTC")
    if hour_kind == "text":
        hours = hours.strftime("%Y-%m-%dT%H:%M:%SZ")
    readings = pd.DataFrame(
        {
            "station": np.repeat(stations["station"].to_numpy(), HOURS),
            "hour": np.tile(np.asarray(hours), 3),
            "temp": rng.normal(size=3 * HOURS),
        }
    )
    if hour_kind == "category":
        readings["hour"] = readings["hour"].astype(str).astype("category")
    return {"stations": stations, "readings": readings}


def hourly_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("stations", primary_key="station")
        .add_table("readings", primary_key=["station", "hour"])
        .add_relationship("readings", "station", "stations")
    )


def check_readings(synthetic: dict[str, pd.DataFrame], parents: int) -> None:
    readings = synthetic["readings"]
    assert len(readings) == parents * HOURS
    counts = readings.groupby("station", observed=True).size()
    assert counts.tolist() == [HOURS] * parents
    assert not readings.duplicated(["station", "hour"]).any()
    assert readings["station"].isin(synthetic["stations"]["station"]).all()


@pytest.mark.parametrize("hour_kind", ["text", "category", "datetime"])
def test_every_parent_keeps_all_its_hours(hour_kind: str) -> None:
    tables = hourly_tables(hour_kind)
    generator = MultiTableGenerator(hourly_schema(), seed=1).fit(tables)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*could not be made unique")
        check_readings(generator.generate(scale=1), 3)
        check_readings(generator.generate(scale=2), 6)


def test_text_hours_stay_real_hours(tmp_path: Path) -> None:
    tables = hourly_tables("text")
    generator = MultiTableGenerator(hourly_schema(), seed=2).fit(tables)
    path = tmp_path / "hourly.genesis"
    generator.save(path)
    synthetic = MultiTableGenerator.load(path).generate()
    check_readings(synthetic, 3)
    assert set(synthetic["readings"]["hour"]) <= set(tables["readings"]["hour"])


def test_too_few_free_values_warns_and_names_the_table() -> None:
    frame = pd.DataFrame(
        {"station": ["a", "a", "a", "b"], "hour": ["x", "x", "y", "x"]}
    )
    with pytest.warns(UserWarning, match=r"Table 'readings'.*dropped 1 of 4"):
        keep = make_unique(
            frame,
            ["station", "hour"],
            "hour",
            None,
            None,
            ("x", "y"),
            np.random.default_rng(0),
            "Table 'readings'",
        )
    assert keep.tolist() == [True, False, True, True]
    assert not frame.loc[keep].duplicated(["station", "hour"]).any()


def test_repeated_key_of_foreign_keys_only_warns() -> None:
    frame = pd.DataFrame({"left": [1, 1, 2], "right": [5, 5, 5]})
    with pytest.warns(UserWarning, match="every key column is a foreign key"):
        keep = make_unique(frame, ["left", "right"], None, None, None)
    assert keep.tolist() == [True, False, True]


def test_repeated_text_takes_a_value_its_group_lacks() -> None:
    frame = pd.DataFrame({"station": ["a"] * 4 + ["b"], "hour": ["x"] * 5})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keep = make_unique(
            frame,
            ["station", "hour"],
            "hour",
            None,
            None,
            ("x", "y", "z", "w"),
            np.random.default_rng(0),
        )
    assert keep.all()
    assert sorted(frame["hour"][:4]) == ["w", "x", "y", "z"]
    assert frame["hour"].iloc[4] == "x"


def test_cardinality_sees_children_lost_among_many_childless_parents() -> None:
    # 3 of 300 parents have children, as 3 of 1458 airports have weather:
    # the zeros alone would score a third of the children lost at 99%.
    parents = pd.DataFrame({"pid": np.arange(300), "size": np.arange(300.0)})
    children = pd.DataFrame(
        {"pid": np.repeat([0, 1, 2], 60), "value": np.arange(180.0)}
    )
    schema = (
        RelationalSchema()
        .add_table("parents", primary_key="pid")
        .add_table("children")
        .add_relationship("children", "pid", "parents")
    )
    real = {"parents": parents, "children": children}
    lossy = {"parents": parents, "children": children[children.index % 3 != 0]}
    whole = evaluate_multitable(real, real, schema).relationships
    lost = evaluate_multitable(real, lossy, schema).relationships
    assert whole["cardinality"].iloc[0] == pytest.approx(1.0)
    assert lost["cardinality"].iloc[0] == pytest.approx(2 / 3)


def test_nycflights_weather_keeps_742_hours_per_airport() -> None:
    if not (NYCFLIGHTS / "weather.csv").is_file():
        pytest.skip(f"nycflights13 not found at {NYCFLIGHTS}")
    # time_hour read as text, as a CSV gives it without parse_dates.
    tables = {
        name: pd.read_csv(NYCFLIGHTS / f"{name}.csv")
        for name in ("airports", "weather")
    }
    # Without flights, which refer to it, the key is declared as documented.
    schema = detect_schema(tables).set_primary_key("weather", ["origin", "time_hour"])
    generator = MultiTableGenerator(schema, seed=0).fit(tables)
    for scale in (1, 2):
        synthetic = generator.generate(scale=scale)
        weather = synthetic["weather"]
        assert len(weather) == 2226 * scale
        counts = weather.groupby("origin").size()
        assert (counts == 742).all()
        assert not weather.duplicated(["origin", "time_hour"]).any()
        assert weather["origin"].isin(synthetic["airports"]["faa"]).all()


def test_an_identifier_key_column_keeps_no_real_values_in_the_model() -> None:
    # Text key columns free a repeated key with an unused real value; an
    # identifier is written afresh, so its real values stay out of the file.
    rng = np.random.default_rng(5)
    parents = pd.DataFrame({"shop": ["a", "b", "c"], "size": [1.0, 2.0, 3.0]})
    children = pd.DataFrame(
        {
            "shop": np.repeat(parents["shop"], 20).to_numpy(),
            "ticket": [f"T-{i:05d}" for i in rng.permutation(60)],
            "amount": rng.normal(10.0, 2.0, 60),
        }
    )
    schema = (
        RelationalSchema()
        .add_table("shops", primary_key="shop")
        .add_table("sales", primary_key=["shop", "ticket"])
        .add_relationship("sales", "shop", "shops", "shop")
    )
    metadata = TableMetadata.infer(children)
    metadata.update_column("ticket", "identifier")
    generator = MultiTableGenerator(schema, seed=0).fit(
        {"shops": parents, "sales": children}, metadata={"sales": metadata}
    )
    assert generator._fitted()["sales"].key_choices is None
    sales = generator.generate(seed=1)["sales"]
    assert len(sales) == 60
    assert not sales.duplicated(["shop", "ticket"]).any()
