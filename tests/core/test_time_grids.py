"""Times on a regular grid come back on it.

A new user's energy readings, every 10 minutes, came back at any minute
(02:59, 23:44): 9.2% of copula rows and 10.6% of TVAE rows sat on the grid,
what chance gives. Only the unit (day, hour, minute...) was kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.data._prepare import _grid_step


def _generated(frame: pd.DataFrame, n: int = 600) -> pd.DataFrame:
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    return generator.fit(frame, progress=False).generate(n)


def _readings(step: str, periods: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    times = pd.date_range("2016-01-11 17:00", periods=periods, freq=step)
    return pd.DataFrame({"at": times, "load": rng.gamma(3.0, 20.0, periods)})


@pytest.mark.parametrize(
    ("step", "on_grid"),
    [
        ("10min", lambda t: (t.dt.minute % 10 == 0) & (t.dt.second == 0)),
        ("15s", lambda t: t.dt.second % 15 == 0),
        ("7D", lambda t: t.dt.day_of_week == 0),  # 2016-01-11 is a Monday
        ("6h", lambda t: t.dt.hour % 6 == 5),
    ],
)
def test_times_on_a_grid_stay_on_it(step: str, on_grid) -> None:
    real = _readings(step)
    synthetic = _generated(real)["at"]
    assert on_grid(real["at"]).all()
    assert on_grid(synthetic).all()
    assert synthetic.between(real["at"].min(), real["at"].max()).all()
    # Spread over the grid, not piled on a few of its points.
    assert synthetic.nunique() > 100


def test_text_times_on_a_grid_stay_on_it() -> None:
    real = _readings("10min")
    real["at"] = real["at"].dt.strftime("%d/%m/%Y %H:%M")
    synthetic = pd.to_datetime(_generated(real)["at"], format="%d/%m/%Y %H:%M")
    assert (synthetic.dt.minute % 10 == 0).all()


def test_times_off_any_grid_keep_their_unit_only() -> None:
    rng = np.random.default_rng(1)
    minutes = np.sort(rng.choice(60 * 24 * 30, 400, replace=False))
    real = pd.DataFrame(
        {"at": pd.Timestamp("2024-03-01") + pd.to_timedelta(minutes, unit="min")}
    )
    synthetic = _generated(real)["at"]
    assert (synthetic.dt.second == 0).all()
    # Odd minutes as well as even ones: no coarser grid was made up.
    assert (synthetic.dt.minute % 2 == 1).mean() > 0.3


def test_a_few_times_sharing_a_spacing_by_chance_are_no_grid() -> None:
    # Five times three hours apart are too few to call three hours a grid;
    # ten are enough.
    hour = 3_600
    few = np.arange(5, dtype=np.int64) * 3 * hour
    many = np.arange(10, dtype=np.int64) * 3 * hour
    assert _grid_step(few, hour) == hour
    assert _grid_step(many, hour) == 3 * hour
