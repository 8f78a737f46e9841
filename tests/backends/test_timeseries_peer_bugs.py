"""Time-series inputs shaped like bug reports filed against peer libraries.

Each test rebuilds, as small as it can, the input of one report filed
against ydata-synthetic's TimeGAN, SDV's PARSynthesizer or the reference
TimeGAN, and runs it through our front door. Fits are tiny (two iterations
of one-layer networks): the claims are about the data plane around the
networks (dtypes, decimals, times, counts, files), not about what TimeGAN
learns. They run on torch, which builds no per-shape programs; the data
plane they check is shared by every backend. They skip without torch.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidDataError
from genesis.generators.timeseries import TimeGANGenerator

BACKENDS = get_registry().generators.backends_for("timegan")
TINY = {"hidden_dim": 4, "num_layers": 1, "batch_size": 8, "iterations": 2}
needs_torch = pytest.mark.skipif(
    "torch" not in BACKENDS, reason="genesis-torch is not installed"
)


def tiny(
    seq_len: int = 3, n_features: int = 1, backend: str = "torch", **changes: object
) -> TimeGANGenerator:
    arguments = {"seed": 0, **TINY, **changes}
    return TimeGANGenerator(seq_len, n_features, backend=backend, **arguments)


def readings(entities: int = 3, steps: int = 5) -> pd.DataFrame:
    """``steps`` readings of each of ``entities`` sensors: id, t, x."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(entities), steps),
            "t": np.tile(np.arange(steps), entities),
            "x": rng.normal(10.0, 2.0, entities * steps),
        }
    )


def fit_frame(frame: pd.DataFrame, **options: object) -> TimeGANGenerator:
    options = {"entity_column": "id", "time_column": "t", **options}
    return tiny(**options.pop("build", {})).fit(frame, progress=False, **options)


def has_decimals(values: np.ndarray, decimals: int) -> bool:
    return bool(np.all(np.round(values, decimals) == values))


# -- values: decimals and dtypes ---------------------------------------------


@needs_torch
def test_float_features_of_a_frame_keep_their_decimals() -> None:
    """SDV issue 2274 (from 2241): prices kept to two decimals in the real
    data came back from PAR with every float digit."""
    frame = readings().assign(x=lambda d: d["x"].round(2))
    synthetic = fit_frame(frame).generate(20)["x"].to_numpy()

    assert has_decimals(synthetic, 2)
    # Not rounded coarser than the data: some value needs its second decimal.
    assert not has_decimals(synthetic, 1)


@needs_torch
def test_float_arrays_keep_each_features_decimals() -> None:
    """SDV issue 2274, as a 3-D array: one feature in tenths, one of whole
    numbers stored as floats, one with every digit (left as it comes)."""
    rng = np.random.default_rng(1)
    data = rng.normal(50.0, 10.0, size=(6, 3, 3))
    data[..., 0] = data[..., 0].round(1)
    data[..., 1] = data[..., 1].round()
    synthetic = tiny(n_features=3).fit(data, progress=False).generate(20)

    assert synthetic.dtype == np.float64
    assert has_decimals(synthetic[..., 0], 1)
    assert has_decimals(synthetic[..., 1], 0)
    assert not has_decimals(synthetic[..., 2], 6)


@needs_torch
def test_a_float_context_column_keeps_its_decimals() -> None:
    """SDV issue 2274, for a value per entity: a tariff quoted in cents."""
    frame = readings(entities=4).assign(
        tariff=lambda d: d["id"].map({0: 0.15, 1: 0.22, 2: 0.19, 3: 0.31})
    )
    synthetic = fit_frame(frame, context_columns=["tariff"]).generate(20)

    tariffs = synthetic["tariff"].to_numpy()
    assert has_decimals(tariffs, 2)
    assert tariffs.min() >= 0.15 and tariffs.max() <= 0.31


@needs_torch
def test_complex_features_are_refused_by_name() -> None:
    """Found while checking dtypes for SDV issue 2241 (integers given back
    as floats): complex features lost their imaginary part with only
    numpy's cast warning."""
    frame = readings().assign(x=lambda d: d["x"] + 1j)
    with pytest.raises(InvalidDataError, match=r"Column 'x' holds complex numbers"):
        fit_frame(frame)
    with pytest.raises(InvalidDataError, match=r"dtype complex128.*imaginary"):
        tiny().fit(np.ones((4, 3, 1), dtype=complex), progress=False)


# -- the time column ---------------------------------------------------------


@needs_torch
def test_a_millisecond_step_on_epoch_seconds_is_kept() -> None:
    """SDV issues 1723 and 2004: synthetic sequences repeated a time.

    Times in epoch seconds with a step of a millisecond had their step
    rounded to 0, so every row of a sequence got the same time.
    """
    frame = readings().assign(t=lambda d: 1.7e9 + d["t"] * 0.001)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        synthetic = fit_frame(frame).generate(2)

    gaps = synthetic.groupby("id")["t"].diff().dropna().to_numpy()
    # float64 holds 1.7e9 to about 2.4e-7.
    assert gaps == pytest.approx(np.full(4, 0.001), abs=1e-6)


@needs_torch
def test_float32_times_step_evenly_without_a_warning() -> None:
    """SDV issue 808: a float sequence index broke PAR's sampling. Ours
    warned of irregular steps for float32 tenths, whose gaps differ in
    float32's last digits only."""
    frame = readings().assign(t=lambda d: (d["t"] * 0.1).astype("float32"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        synthetic = fit_frame(frame).generate(1)

    assert synthetic["t"].dtype == np.float32
    assert synthetic["t"].tolist() == pytest.approx([0.0, 0.1, 0.2], abs=1e-6)


@needs_torch
def test_integer_times_keep_their_dtype_start_and_step() -> None:
    """SDV issues 808 and 2079: PAR failed on an integer sequence index."""
    frame = readings().assign(t=lambda d: (10 + 5 * d["t"]).astype("int32"))
    synthetic = fit_frame(frame).generate(2)

    assert synthetic["t"].dtype == np.int32
    assert synthetic["t"].tolist() == [10, 15, 20, 10, 15, 20]


@needs_torch
def test_infinite_times_are_refused_by_column() -> None:
    """SDV issue 808: a float sequence index crashed inside the library.
    An infinite time here raised a bare OverflowError."""
    frame = readings().assign(t=lambda d: d["t"].astype(float))
    frame.loc[3, "t"] = np.inf
    with pytest.raises(InvalidDataError, match=r"'t' has 1 infinite values"):
        fit_frame(frame)


@needs_torch
def test_a_period_time_column_gets_a_conversion_that_works() -> None:
    """SDV issue 512: a monthly index made a period column, which PAR could
    not take. Our error suggested pd.to_datetime, which refuses periods."""
    months = pd.period_range("2024-01", periods=5, freq="M")
    frame = readings().assign(t=lambda d: months[d["t"]])
    with pytest.raises(InvalidDataError, match=r"frame\['t'\]\.dt\.to_timestamp\(\)"):
        fit_frame(frame)

    frame["t"] = frame["t"].dt.to_timestamp()
    with warnings.catch_warnings():
        # Months of 29 to 31 days are irregular steps; that is not the claim.
        warnings.simplefilter("ignore", UserWarning)
        synthetic = fit_frame(frame).generate(1)
    assert synthetic["t"].iloc[0] == pd.Timestamp("2024-01-01")


@needs_torch
def test_dates_beyond_the_nanosecond_range_keep_their_unit() -> None:
    """SDV issue 2378: a datetime sequence index lost its bounds through its
    precision. Ours counted every time in nanoseconds, so a date in year
    2300 held in seconds raised OutOfBoundsDatetime."""
    start = np.datetime64("2300-01-01", "s")
    frame = readings().assign(
        t=lambda d: start + d["t"].to_numpy() * np.timedelta64(1, "D")
    )
    synthetic = fit_frame(frame).generate(1)

    assert synthetic["t"].dtype == frame["t"].dtype == "datetime64[s]"
    expected = pd.date_range("2300-01-01", periods=3, freq="D", unit="s")
    assert synthetic["t"].tolist() == expected.tolist()


@needs_torch
def test_rows_out_of_time_order_come_back_in_time_order() -> None:
    """SDV issue 2112: PAR's synthetic rows were not ordered in time."""
    frame = readings().iloc[::-1].reset_index(drop=True)
    synthetic = fit_frame(frame).generate(3)

    assert synthetic["t"].tolist() == [0, 1, 2] * 3


# -- entities ----------------------------------------------------------------


@needs_torch
def test_entities_without_a_time_column_keep_their_row_order() -> None:
    """SDV issue 1972: PAR could not fit a sequence key without a sequence
    index. Ours takes each entity's rows in the order given."""
    frame = readings().drop(columns="t")
    synthetic = fit_frame(frame, time_column=None).generate(2)

    assert list(synthetic.columns) == ["id", "x"]
    assert synthetic["id"].tolist() == [0, 0, 0, 1, 1, 1]


@needs_torch
def test_a_single_entity_is_learnt_as_one_sequence() -> None:
    """SDV issue 2086: PAR refuses data that is one long sequence. One
    entity here is cut into windows that each start at its start."""
    frame = readings(entities=1, steps=6).assign(
        id="meter-A",
        t=lambda d: pd.Timestamp("2024-05-01") + pd.to_timedelta(d["t"], unit="h"),
    )
    generator = fit_frame(frame)
    synthetic = generator.generate(2)

    assert generator.n_windows_ == 6 - 3 + 1
    assert synthetic["id"].tolist() == ["synthetic-0"] * 3 + ["synthetic-1"] * 3
    hours = pd.date_range("2024-05-01", periods=3, freq="h")
    assert synthetic["t"].tolist() == hours.tolist() * 2


# -- generating and files ----------------------------------------------------


@needs_torch
@pytest.mark.parametrize("n", [1, 13])
def test_generate_gives_exactly_the_sequences_asked_for(n: int) -> None:
    """ydata-synthetic issue 136: TimeGAN's sample drew whole batches and
    returned more sequences than asked for. (jax, which pads its batches,
    is checked in test_timegan.py.)"""
    data = np.random.default_rng(2).normal(size=(10, 3, 1))
    synthetic = tiny().fit(data, progress=False).generate(n)

    assert synthetic.shape == (n, 3, 1)


@needs_torch
def test_a_loaded_generator_continues_the_same_stream(tmp_path: Path) -> None:
    """ydata-synthetic issue 31: sampling after loading a saved TimeGAN
    failed. Ours loads and draws what the saved one would have drawn."""
    data = np.random.default_rng(3).normal(size=(8, 3, 1))
    generator = tiny().fit(data, progress=False)
    generator.save(tmp_path / "model.genesis")
    loaded = TimeGANGenerator.load(tmp_path / "model.genesis")

    for _ in range(2):
        np.testing.assert_array_equal(loaded.generate(4), generator.generate(4))
