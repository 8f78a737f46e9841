"""Column-type inference on the shapes of peers' metadata-detection bug reports."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from genesis import ColumnType, InvalidDataError, SyntheticGenerator, TableMetadata

ROWS = 120


def fit_copula(real: pd.DataFrame) -> SyntheticGenerator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SyntheticGenerator("gaussian_copula", seed=0).fit(real, progress=False)


def with_noise(column: pd.Series | list, name: str) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({name: column, "x": rng.normal(size=len(column))})


# -- integer column labels (SDV issue 1933) -----------------------------------


def test_integer_column_labels_are_inferred_and_kept() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({i + 1: rng.integers(0, 100, ROWS) for i in range(4)})
    out = fit_copula(real).generate(50)

    assert TableMetadata.infer(real).columns == [1, 2, 3, 4]
    assert list(out.columns) == [1, 2, 3, 4]


# -- columns missing in every row (SDV issue 1589) ----------------------------


def test_columns_missing_in_every_row_keep_their_kind_of_missing() -> None:
    real = pd.DataFrame(
        {
            "x": np.linspace(0, 1, ROWS),
            "nan": np.full(ROWS, np.nan),
            "none": pd.Series([None] * ROWS, dtype=object),
            "nat": pd.Series([pd.NaT] * ROWS, dtype="datetime64[s]"),
        }
    )
    out = fit_copula(real).generate(30)

    assert out.dtypes.to_dict() == real.dtypes.to_dict()
    assert out[["nan", "none", "nat"]].isna().all().all()


# -- booleans with missing values (SDV issue 1515, RDT 527) -------------------


def test_nullable_booleans_keep_their_dtype_and_missing_rate() -> None:
    rng = np.random.default_rng(2)
    flags = pd.array(rng.choice([True, False, None], ROWS), dtype="boolean")
    real = with_noise(flags, "flag")
    out = fit_copula(real).generate(600)["flag"]

    assert TableMetadata.infer(real)["flag"].column_type == ColumnType.BOOLEAN
    assert out.dtype == "boolean"
    # A third of the real rows are missing; 600 draws stay well inside 0.2-0.45.
    assert 0.2 < out.isna().mean() < 0.45


# -- integers that are codes (SDV issues 1584 and 665) ------------------------


def test_integer_codes_come_back_as_codes_seen_in_training() -> None:
    rng = np.random.default_rng(3)
    real = with_noise(rng.choice([200, 404, 500], ROWS), "status")
    out = fit_copula(real).generate(1_000)["status"]

    assert set(out.unique()) <= {200, 404, 500}


# -- keys whose digits do not fit in 64 bits (SDV issue 1598) -----------------


@pytest.mark.parametrize("prefix", ["ORD-", ""])
def test_keys_with_more_digits_than_int64_holds_fit_and_generate(prefix: str) -> None:
    keys = [f"{prefix}{10**25 + 7 * i}" for i in range(ROWS)]
    real = with_noise(keys, "order")
    out = fit_copula(real).generate(40)["order"]

    assert out.notna().all() and out.str.len().min() >= 26


# -- dates written as text (SDV issues 1587 and 1515, datetime_format) --------


def text_dates(layout: str) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, ROWS), "D")
    text = pd.Series(days.strftime(layout), dtype=object)
    text[::10] = None
    return with_noise(text, "signed_on")


@pytest.mark.parametrize("layout", ["%Y-%m-%d", "%d/%m/%Y", "%b %d, %Y %H:%M"])
def test_dates_written_as_text_are_inferred_as_datetimes(layout: str) -> None:
    real = text_dates(layout)

    assert TableMetadata.infer(real)["signed_on"].column_type == ColumnType.DATETIME


def test_dates_written_as_text_generate_new_dates_in_their_layout() -> None:
    real = text_dates("%d/%m/%Y")
    out = fit_copula(real).generate(500)["signed_on"]

    times = pd.to_datetime(out.dropna(), format="%d/%m/%Y")  # raises on any other
    assert times.between("2021-01-01", "2021-12-31").all()
    # As categories, only the ~110 days seen in training would come back.
    assert out.nunique() > real["signed_on"].nunique()


@pytest.mark.parametrize(
    "values",
    [
        ["20210304", "20211231"],  # digits only: a number or a key as often
        ["12.5", "3.25"],
        ["a 1/2", "b 3/4"],
        ["2021-03-04", "soon"],
    ],
)
def test_text_that_is_not_all_dates_stays_categorical(values: list[str]) -> None:
    real = pd.DataFrame({"t": values * 10})

    assert TableMetadata.infer(real)["t"].column_type == ColumnType.CATEGORICAL


def test_numpy_text_values_are_read_like_python_text() -> None:
    # rng.choice on a list of words fills an object column with numpy.str_.
    rng = np.random.default_rng(6)
    real = pd.DataFrame(
        {"d": pd.Series(rng.choice(["2021-01-02", "2021-03-04"], ROWS), dtype=object)}
    )

    assert TableMetadata.infer(real)["d"].column_type == ColumnType.DATETIME


def rewritten_texts(kind: str) -> list[str]:
    # Hours at random: times every 31 hours sit on a grid whose every point
    # in range is a real time, so no generated time could be a new one.
    hours = np.sort(np.random.default_rng(7).choice(24 * 180, ROWS, replace=False))
    stamps = pd.Timestamp("2021-01-01") + pd.to_timedelta(hours, unit="h")
    if kind == "unpadded":
        return [f"{t.year}/{t.month}/{t.day}" for t in stamps]
    suffix = {"utc-offset": "+01:00", "milliseconds": ".000"}[kind]
    return [t.strftime("%Y-%m-%dT%H:%M:%S") + suffix for t in stamps]


@pytest.mark.parametrize("kind", ["utc-offset", "milliseconds", "unpadded"])
def test_times_the_data_plane_would_rewrite_keep_their_text(kind: str) -> None:
    # Written back in the guessed layout these would change: "+01:00" to
    # "+0100", ".000" to ".000000", "2021/1/5" to "2021/01/05".
    real = with_noise(rewritten_texts(kind), "at")
    out = fit_copula(real).generate(50)["at"]

    if kind == "unpadded":
        # New dates, written unpadded as the real ones are.
        assert out.str.fullmatch(r"\d{4}/[1-9]\d?/[1-9]\d?").all()
        assert not set(out) <= set(real["at"])
    else:
        # New times, in the real text's own layout.
        suffix = {"utc-offset": r"\+01:00", "milliseconds": r"\.000"}[kind]
        assert out.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" + suffix).all()
        assert not set(out) <= set(real["at"])


# -- dtypes whose printed name reads back as another dtype (RDT, pyarrow) -----


@pytest.mark.parametrize(
    "dtype", ["string[python]", "string[pyarrow]", "arrow_string", "large_string"]
)
def test_text_columns_keep_their_exact_string_dtype(dtype: str) -> None:
    pa = pytest.importorskip("pyarrow")
    if dtype == "arrow_string":
        dtype = pd.ArrowDtype(pa.string())
    elif dtype == "large_string":
        dtype = pd.ArrowDtype(pa.large_string())
    words = pd.Series(["red", "green", "blue", None] * (ROWS // 4), dtype=dtype)
    real = with_noise(words, "colour")
    out = fit_copula(real).generate(30)

    assert out["colour"].dtype == real["colour"].dtype


def test_a_dtype_that_cannot_be_written_down_is_refused_naming_the_column() -> None:
    pa = pytest.importorskip("pyarrow")
    import decimal

    prices = [decimal.Decimal(f"{i}.25") for i in range(ROWS)]
    real = with_noise(pd.array(prices, dtype=pd.ArrowDtype(pa.decimal128(10, 2))), "p")

    with pytest.raises(InvalidDataError, match=r"Column 'p' has dtype decimal128"):
        TableMetadata.infer(real)


# -- column types declared against the dtype (SDV issue 1445) -----------------


def typed_columns() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "city": pd.Series(rng.choice(["Lyon", "Oslo", "Rome"], ROWS), dtype="str"),
            "grade": pd.Categorical(rng.choice(["x", "y"], ROWS)),
            "flag": rng.random(ROWS) > 0.5,
            "when": pd.date_range("2020-01-01", periods=ROWS, freq="D"),
            "day": rng.integers(20200101, 20200128, ROWS),
        }
    )


@pytest.mark.parametrize(
    ("column", "column_type"),
    [
        ("city", "continuous"),
        ("city", "integer"),
        ("grade", "integer"),
        ("grade", "identifier"),
        ("flag", "identifier"),
        ("when", "identifier"),
    ],
)
def test_a_column_type_the_dtype_cannot_hold_is_refused_naming_the_column(
    column: str, column_type: str
) -> None:
    metadata = TableMetadata.infer(typed_columns())

    with pytest.raises(InvalidDataError, match=rf"Column '{column}' has dtype"):
        metadata.update_column(column, column_type)


def test_text_declared_an_identifier_gets_fresh_unique_keys() -> None:
    real = typed_columns()
    metadata = TableMetadata.infer(real)
    metadata.update_column("city", "identifier")
    out = SyntheticGenerator("gaussian_copula", seed=0).fit(real, metadata=metadata)
    keys = out.generate(200)["city"]

    assert keys.is_unique and keys.str.len().min() > 3
    assert not set(keys) & set(real["city"])


def test_integers_declared_an_identifier_count_on_from_the_smallest() -> None:
    real = typed_columns()
    metadata = TableMetadata.infer(real)
    metadata.update_column("day", "identifier")
    out = SyntheticGenerator("gaussian_copula", seed=0).fit(real, metadata=metadata)
    keys = out.generate(50)["day"]

    assert keys.is_unique and keys.min() == real["day"].min()


def test_guessing_a_text_date_layout_passes_no_pandas_warning_on() -> None:
    # pandas warns "Parsing dates in %Y-%m-%d format when dayfirst=True was
    # specified" when the day-first guess meets a year-first date; fit made
    # that guess, and the warning reached the user.
    real = pd.DataFrame({"day": ["2021-03-04", "2021-05-06", "2022-01-02"] * 20})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metadata = TableMetadata.infer(real)
        SyntheticGenerator("gaussian_copula", seed=0).fit(
            real, metadata=metadata, progress=False
        )
    assert metadata["day"].column_type == "datetime"
