"""Shapes of data that users reported breaking peer libraries, run on Genesis.

Each test names the peer's issue whose input shape it rebuilds (SDV, RDT,
Copulas) and claims what Genesis does with that shape instead.
"""

from __future__ import annotations

import re
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from genesis import InvalidDataError, SyntheticGenerator, TableMetadata
from genesis._auto import choose_method
from genesis.data import TablePreparer, TableTransformer


def copula(frame: pd.DataFrame, **config: object) -> SyntheticGenerator:
    generator = SyntheticGenerator("gaussian_copula", config=config or None, seed=0)
    return generator.fit(frame, progress=False)


# -- times outside pandas' nanosecond range (RDT issue 41) ---------------------


def far_times(unit: str, zone: str | None = None, n: int = 300) -> pd.DataFrame:
    """Dates of this decade, with an open-ended 9999-12-31 and a year-1500 date."""
    rng = np.random.default_rng(1)
    days = rng.integers(0, 3650, n).astype("timedelta64[D]")
    values = (np.datetime64("2015-01-01") + days).astype(f"datetime64[{unit}]")
    values[::10] = np.datetime64("9999-12-31")
    values[5::10] = np.datetime64("1500-01-01")
    times = pd.Series(values)
    if zone is not None:
        times = times.dt.tz_localize(zone)
    return pd.DataFrame({"valid_to": times, "x": rng.normal(size=n)})


@pytest.mark.parametrize(
    ("unit", "zone"), [("s", None), ("us", None), ("ms", "Europe/Paris")]
)
def test_times_past_the_nanosecond_range_keep_their_dates_and_dtype(
    unit: str, zone: str | None
) -> None:
    # Converting every time to nanoseconds crashed on 9999-12-31 with
    # OutOfBoundsDatetime; the column's own unit holds it.
    real = far_times(unit, zone)
    out = copula(real).generate(2_000)["valid_to"]

    assert out.dtype == real["valid_to"].dtype
    assert out.min() >= real["valid_to"].min()
    assert out.max() <= real["valid_to"].max()
    # Every real time is a whole day; the sentinels are a tenth each.
    local = out.dt.tz_localize(None) if zone else out
    assert (local == local.dt.normalize()).all()
    assert 0.07 < (local == pd.Timestamp("9999-12-31")).mean() < 0.13
    assert 0.07 < (local == pd.Timestamp("1500-01-01")).mean() < 0.13


def test_far_times_come_back_the_same_from_a_saved_model(tmp_path: Path) -> None:
    generator = copula(far_times("s"))
    path = tmp_path / "far.genesis"
    generator.save(path)
    loaded = SyntheticGenerator.load(path)
    pd.testing.assert_frame_equal(
        loaded.generate(200, seed=3), generator.generate(200, seed=3)
    )


# -- times stored as text (SDV issue 1835, RDT datetime formats) --------------


def text_times(dtype: str, layout: str, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D")
    text = pd.Series(days.strftime(layout), dtype=dtype)
    text[::10] = None
    return pd.DataFrame({"signed_on": text, "x": rng.normal(size=n)})


def fitted_as_times(real: pd.DataFrame) -> SyntheticGenerator:
    metadata = TableMetadata.infer(real)
    metadata.update_column("signed_on", "datetime")
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    return generator.fit(real, metadata=metadata, progress=False)


@pytest.mark.parametrize("dtype", ["object", "str"])
@pytest.mark.parametrize("layout", ["%d/%m/%Y", "%b %d, %Y", "%Y-%m-%d"])
def test_times_stored_as_text_come_back_as_text_in_their_layout(
    dtype: str, layout: str
) -> None:
    # Declared datetimes, such text came back as Timestamp objects (object
    # dtype) or in ISO form (24/01/2021 as 2021-01-24).
    real = text_times(dtype, layout)
    out = fitted_as_times(real).generate(500)["signed_on"]

    assert out.dtype == real["signed_on"].dtype
    present = out.dropna()
    assert all(isinstance(value, str) for value in present)
    times = pd.to_datetime(present, format=layout)  # raises on any other layout
    assert times.min() >= pd.Timestamp("2021-01-01")
    assert times.max() <= pd.Timestamp("2021-12-31")
    assert 0.05 < out.isna().mean() < 0.15


def test_text_that_is_not_a_time_is_refused_naming_the_column() -> None:
    real = text_times("str", "%Y-%m-%d")
    real.loc[3, "signed_on"] = "soon"
    with pytest.raises(InvalidDataError, match=r"Column 'signed_on' .* cannot be read"):
        fitted_as_times(real)


# -- decimal places of large numbers (RDT issue 556) ---------------------------


def test_amounts_in_the_millions_keep_their_cents() -> None:
    # Decimal places were judged with a tolerance of a millionth of each
    # value, so 1,234,567.89 counted as a whole number and every synthetic
    # amount came back without its cents.
    rng = np.random.default_rng(2)
    real = pd.DataFrame({"amount": rng.uniform(1e6, 5e7, 400).round(2)})
    out = copula(real).generate(1_000)["amount"]

    cents = np.round(out.to_numpy() * 100)
    np.testing.assert_array_equal(cents / 100, out.to_numpy())
    # A tenth of evenly spread cents end in 0.
    assert 0.8 < (cents % 10 != 0).mean()


def test_float32_prices_keep_their_cents() -> None:
    # A float32 holds 12345.67 as 12345.669921875: its own precision, not
    # float64's, says which digits are noise.
    rng = np.random.default_rng(3)
    prices = rng.uniform(1e4, 9e4, 400).round(2).astype(np.float32)
    out = copula(pd.DataFrame({"price": prices})).generate(1_000)["price"]

    assert out.dtype == np.float32
    cents = np.round(out.to_numpy(dtype=np.float64) * 100)
    assert 0.8 < (cents % 10 != 0).mean()


# -- heavy tails and far-apart clusters (SDV issues 2010 and 2542) -------------


def ks(real: pd.Series, synthetic: pd.Series) -> float:
    return float(stats.ks_2samp(real, synthetic).statistic)


@pytest.mark.parametrize("distribution", ["parametric", "gaussian_kde"])
def test_a_heavy_tailed_column_keeps_its_bulk_and_its_tail(distribution: str) -> None:
    # One kernel bandwidth for a column spanning seven orders of magnitude
    # smeared its bulk: the median came back three times too large (KS 0.3).
    rng = np.random.default_rng(5)
    real = pd.DataFrame(
        {"income": np.exp(rng.normal(3, 3, 1_000)), "x": rng.normal(size=1_000)}
    )
    out = copula(real, default_distribution=distribution).generate(3_000)["income"]

    # Two samples of this size from one distribution differ by about 0.03.
    assert ks(real["income"], out) < 0.05
    assert 0.7 < out.median() / real["income"].median() < 1.4


def test_clusters_far_apart_keep_their_own_width() -> None:
    # Half the values near 0 and half near 1e6, each a few units wide: one
    # bandwidth sized by the whole range spread the lower cluster over
    # thousands of units.
    rng = np.random.default_rng(6)
    low = rng.random(1_000) < 0.5
    sensor = np.where(low, rng.normal(0, 1, 1_000), rng.normal(1e6, 1, 1_000))
    real = pd.DataFrame({"reading": sensor, "x": rng.normal(size=1_000)})
    out = copula(real).generate(5_000)["reading"]

    assert ks(real["reading"], out) < 0.05
    lower = out[out < 5e5]
    assert 0.45 < len(lower) / len(out) < 0.55
    assert lower.abs().max() < 10


# -- tiny magnitudes in method="auto" (Copulas issue 82) ------------------------


@pytest.mark.parametrize("unit", [1.0, 1e-200])
def test_auto_judges_a_column_the_same_in_any_unit(unit: float) -> None:
    # A kernel density of numbers near 1e-200 has a covariance that
    # underflows to 0, and "auto" failed with scipy's LinAlgError.
    rng = np.random.default_rng(7)
    bumps = np.where(rng.random(500) < 0.5, rng.normal(1, 0.1, 500), 5.0)
    frame = pd.DataFrame({"skewed": np.exp(rng.normal(0, 1.5, 500)) * unit})
    frame["two_bumps"] = (bumps + rng.normal(0, 0.1, 500)) * unit
    method, reasons = choose_method(frame, TableMetadata.infer(frame), fallback=False)

    assert method == "tvae"
    assert "'skewed' is heavily skewed" in reasons[0]
    modes = re.search(r"'two_bumps' has 2 modes \(near (\S+), (\S+)\)", reasons[0])
    assert modes is not None
    # The modes are named in the column's own unit.
    np.testing.assert_allclose([float(m) / unit for m in modes.groups()], [1, 5], 0.1)


# -- values of several types in one column (RDT pull request 201) --------------


def test_true_one_and_one_point_zero_stay_apart_in_a_mixed_column(
    tmp_path: Path,
) -> None:
    # Python counts True == 1 == 1.0, so factorising such a column kept only
    # the first: every 1 and 1.0 came back as True, every 0 as False.
    cells = [True, 1, 1.0, False, 0, 0.0, "1", None]
    real = pd.DataFrame(
        {"flag": pd.Series(cells * 50, dtype=object), "x": np.arange(400.0) % 7}
    )
    with pytest.warns(UserWarning, match=r"mixes value types \['bool', 'float'"):
        generator = copula(real)
    path = tmp_path / "mixed.genesis"
    generator.save(path)

    for model in (generator, SyntheticGenerator.load(path)):
        out = model.generate(4_000, seed=1)["flag"]
        kinds = out.map(lambda value: (type(value).__name__, value)).value_counts()
        assert len(kinds) == len(cells)
        # Each of the eight is an eighth of the rows: 500 expected, 3 sd ~ 63.
        assert kinds.between(400, 600).all(), kinds


@pytest.mark.parametrize("unit", [1e-200, 1e-310])
def test_encoding_numbers_near_the_float_limits_gives_them_back(unit: float) -> None:
    # The mixture scaled a column by its standard deviation, whose squares
    # underflowed to 0 for such numbers: the column kept one mode too narrow
    # for float32, and CTGAN and TVAE decoded every value as the mean.
    rng = np.random.default_rng(8)
    real = pd.DataFrame({"dose": rng.normal(5, 1, 1_000) * unit})
    preparer = TablePreparer(TableMetadata.infer(real))
    prepared = preparer.fit_transform(real, np.random.default_rng(0))
    transformer = TableTransformer().fit(prepared, np.random.default_rng(0))
    matrix = transformer.transform(prepared, np.random.default_rng(0)).matrix
    arrays = transformer.inverse_transform(matrix, np.random.default_rng(1))
    back = preparer.inverse_transform(arrays, len(real), np.random.default_rng(1))

    # float32 scalars keep about 7 digits of each mode's spread.
    error = np.abs(back["dose"] - real["dose"]) / np.ptp(real["dose"])
    assert error.max() < 1e-5


# -- the form of fresh identifiers (SDV issue 2229) ----------------------------


@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_fresh_uuids_are_written_in_the_case_of_the_real_ones(case) -> None:
    # Fresh identifiers keep their column's form; capital UUIDs came back
    # in small letters.
    rng = np.random.default_rng(9)
    ids = [case(str(uuid.UUID(bytes=rng.bytes(16), version=4))) for _ in range(50)]
    real = pd.DataFrame({"order_id": ids, "amount": rng.normal(size=50)})
    out = copula(real).generate(200)["order_id"]

    assert out.is_unique and not set(out) & set(ids)
    assert (out == out.map(case)).all()


# -- Arrow date columns ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["date32", "date64"])
def test_arrow_date_columns_fit_and_come_back_as_dates(
    tmp_path: Path, kind: str
) -> None:
    # Arrow's date types have no time unit; reading the column's unit from
    # its dtype raised AttributeError at fit.
    pa = pytest.importorskip("pyarrow")
    days = pd.date_range("2020-01-01", periods=200, freq="D").date
    dates = pd.Series(days).astype(pd.ArrowDtype(getattr(pa, kind)()))
    dates[3] = None
    real = pd.DataFrame({"day": dates, "x": np.arange(200.0)})
    generator = copula(real)
    generator.save(tmp_path / "dates.genesis")

    for model in (generator, SyntheticGenerator.load(tmp_path / "dates.genesis")):
        out = model.generate(400, seed=2)["day"]
        assert out.dtype == real["day"].dtype
        present = out.dropna()
        assert present.between(days[0], days[-1]).all()
        assert present.nunique() > 50


# -- distinct free text (SDV issues 1598, 2413) ------------------------------------


def test_a_column_of_distinct_texts_warns_that_its_values_are_copied() -> None:
    # Every synthetic email was a real one, without a word.
    rng = np.random.default_rng(0)
    emails = [f"user{i}.{rng.integers(10**6)}@mail.example" for i in range(300)]
    real = pd.DataFrame({"email": emails, "x": rng.normal(size=300)})
    with pytest.warns(UserWarning, match=r"'email' holds 300 distinct texts in 300"):
        generator = copula(real)
    assert generator.generate(50)["email"].isin(emails).all()

    # Declared an identifier, it gets fresh values and no warning.
    metadata = TableMetadata.infer(real)
    metadata.update_column("email", "identifier")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generator = SyntheticGenerator("gaussian_copula", seed=0)
        generator.fit(real, metadata=metadata, progress=False)
    assert not generator.generate(50)["email"].isin(emails).any()


def test_repeated_categories_do_not_warn() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"city": rng.choice(["Oslo", "Rome", "Lima"], 300)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copula(real)


@pytest.mark.parametrize("upper", [False, True])
def test_uuid_texts_written_at_once_match_pythons_uuid(upper: bool) -> None:
    from genesis.data._prepare import _uuid_texts

    raw = np.random.default_rng(4).integers(0, 256, size=(500, 16), dtype=np.uint8)
    expected = [str(uuid.UUID(bytes=row.tobytes(), version=4)) for row in raw]
    if upper:
        expected = [text.upper() for text in expected]

    assert _uuid_texts(raw, upper=upper).tolist() == expected


@pytest.mark.parametrize(
    ("prefix", "width", "start", "n_rows"),
    [
        ("T", 6, 1, 1000),  # padded: every text as long
        ("", 0, 95, 10),  # 95..104 cross a power of ten
        ("ID-", 3, 998, 5),  # outgrows its width
        ("", 4, -3, 6),  # negative numbers
        ("é", 2, 0, 3),  # a prefix beyond ASCII
        ("K", 0, 2**62, 4),
        ("K", 2, 7, 0),
        ("T", 6, 999_990, 30),  # "T999999" then "T1000000"
    ],
)
def test_numbered_texts_match_python_formatting(
    prefix: str, width: int, start: int, n_rows: int
) -> None:
    from genesis.data._prepare import _numbered_texts

    expected = [f"{prefix}{k:0{width}d}" for k in range(start, start + n_rows)]
    texts = _numbered_texts(prefix, width, start, n_rows)

    assert texts.dtype == object
    assert texts.tolist() == expected
    assert all(type(text) is str for text in texts)
