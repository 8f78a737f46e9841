"""The Gaussian copula on the inputs that break other libraries' copulas.

Each test rebuilds the shape of a bug report against sdv-dev/Copulas or
SDV's GaussianCopulaSynthesizer (cited by repository and number) and claims
what Genesis's copula does with it. The data is built in the test; only the
shape of the report is reused.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis._copula import FAMILIES
from genesis._univariate import fit_part
from genesis.errors import ConditionNotMetError, InvalidDataError

METHOD = "gaussian_copula"


def fitted(
    frame: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    discrete: tuple[Hashable, ...] = (),
    seed: int = 0,
) -> SyntheticGenerator:
    generator = SyntheticGenerator(method=METHOD, config=dict(config or {}), seed=seed)
    return generator.fit(frame, discrete_columns=list(discrete), progress=False)


@contextmanager
def no_numeric_warnings() -> Iterator[None]:
    """numpy and scipy RuntimeWarnings become errors (overflow, invalid
    values, fits that did not converge)."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        yield


def distribution_of(generator: SyntheticGenerator, column: str) -> str:
    """The distribution the copula fitted to ``column``'s values."""
    impl = generator._fitted()
    assert generator._preparer is not None
    plans = [plan for plan in generator._preparer.plans if plan.meta.name == column]
    return impl.distributions_[plans[0].key]


# -- marginal fits that fail or give nonsense -----------------------------------


# sdv-dev/Copulas#455: scipy's beta fit stopped with a FitError ("parameters
# outside the range allowed") on these ten values in (0, 1).
TEN_FRACTIONS = [0.712, 0.048, 0.544, 0.042, 0.545, 0.546, 0.055, 0.078, 0.682, 0.197]


@pytest.mark.parametrize("distribution", FAMILIES)
def test_every_family_fits_the_ten_fractions(distribution: str) -> None:
    scaled = (np.array(TEN_FRACTIONS) - 0.042) / (0.712 - 0.042)
    with no_numeric_warnings():
        part = fit_part(scaled, distribution, True, np.random.default_rng(0))
    assert part.distribution == distribution
    assert part.cdf(np.array([0.0]))[0] == 0.0 and part.cdf(np.array([1.0]))[0] == 1.0


@pytest.mark.parametrize("distribution", ["parametric", *FAMILIES])
def test_a_small_column_of_such_fractions_generates_in_range(distribution: str) -> None:
    # The same two clusters, 40 values: enough for a fitted family (a column
    # of at most 30 distinct values keeps its empirical distribution).
    rng = np.random.default_rng(0)
    values = np.r_[
        TEN_FRACTIONS, rng.choice(TEN_FRACTIONS, 30) + rng.normal(0, 0.005, 30)
    ]
    values = np.clip(values, 0.03, 0.72)
    frame = pd.DataFrame({"share": values, "rank": np.arange(40)})
    config = {"numerical_distributions": {"share": distribution}}
    with no_numeric_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        out = fitted(frame, config).generate(500)["share"]
    assert out.notna().all()
    assert out.between(values.min(), values.max()).all()


def test_forced_beta_on_values_from_one_to_seven_keeps_their_spread() -> None:
    # sdv-dev/Copulas#472 (from SDV#2542): beta fitted values between 1 and
    # 7 with a scale of 1e-28, and every synthetic row got the same value.
    rng = np.random.default_rng(0)
    values = np.r_[rng.normal(2.0, 0.3, 300), rng.normal(6.0, 0.4, 200)]
    frame = pd.DataFrame({"level": np.clip(values, 1.0, 7.0)})
    out = fitted(frame, {"default_distribution": "beta"}).generate(4_000)["level"]
    assert out.nunique() > 1_000
    # Two bumps a KS fit of one beta cannot follow; the spread at least is
    # the data's (real sd 2.0).
    assert out.std() == pytest.approx(frame["level"].std(), rel=0.15)


@pytest.mark.parametrize("distribution", FAMILIES)
def test_every_family_on_a_u_shaped_column_gives_no_missing_values(
    distribution: str,
) -> None:
    # sdv-dev/Copulas#367: beta shape parameters out of bounds made ppf
    # return NaN, and synthetic data had missing values the real data had
    # not. A U-shaped column (beta 0.3, 0.3) pushes the shapes below 1; SDV#2258
    # asks for such mass at both ends to be kept.
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"u": rng.beta(0.3, 0.3, 2_000) * 50 + 10})
    config = {"numerical_distributions": {"u": distribution}}
    with no_numeric_warnings():
        out = fitted(frame, config).generate(3_000)["u"]
    assert out.notna().all()
    assert out.between(frame["u"].min(), frame["u"].max()).all()


def test_a_beta_column_is_not_generated_as_one_value() -> None:
    # SDV#1592: a numeric column came out as its minimum in every row.
    # Most of the values crowd just above the minimum, with a long tail.
    rng = np.random.default_rng(2)
    values = 100.0 + rng.gamma(0.4, 30.0, 3_000)
    frame = pd.DataFrame({"amount": values, "other": rng.normal(size=3_000)})
    out = fitted(frame, {"default_distribution": "beta"}).generate(3_000)["amount"]
    assert out.nunique() > 2_000
    # The real median sits about 4 above the minimum; the synthetic one too.
    assert np.median(out) == pytest.approx(np.median(values), abs=2.0)


def test_small_whole_numbers_keep_each_value_frequency() -> None:
    # SDV#1686: years of experience 0 to 3, 0 the most common, and a bad beta
    # fit never generated 0.
    rng = np.random.default_rng(3)
    years = rng.choice([0, 1, 2, 3], size=2_000, p=[0.45, 0.25, 0.2, 0.1])
    frame = pd.DataFrame({"years": years, "score": rng.normal(60, 8, 2_000)})
    out = fitted(frame, {"default_distribution": "beta"}).generate(5_000)["years"]
    real = frame["years"].value_counts(normalize=True).sort_index()
    fake = out.value_counts(normalize=True).reindex(real.index, fill_value=0.0)
    # 5,000 rows put the sampling error of a share near 0.007.
    assert (fake - real).abs().max() < 0.03


def test_a_distribution_named_for_a_column_with_missing_values_is_used() -> None:
    # SDV#317: numerical_distributions naming a column with NaN was ignored,
    # because the column was split into a value part and a missing flag.
    rng = np.random.default_rng(4)
    values = rng.gamma(2.0, 3.0, 1_000)
    values[rng.random(1_000) < 0.3] = np.nan
    frame = pd.DataFrame({"x": values, "y": rng.normal(size=1_000)})
    generator = fitted(frame, {"numerical_distributions": {"x": "gamma"}})
    assert distribution_of(generator, "x") == "gamma"
    out = generator.generate(4_000)["x"]
    assert out.isna().mean() == pytest.approx(0.3, abs=0.03)


def test_a_named_distribution_the_column_cannot_use_is_a_warning() -> None:
    # SDV#2296 (fixed by SDV pull 2301): a numerical_distributions entry that
    # could not be applied was dropped without a word; SDV#2394: the learned
    # distributions then named a family that was not used. A column of few
    # distinct values keeps its empirical distribution whatever is asked.
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"stars": rng.choice([1.0, 2.0, 3.5, 4.0, 5.0], 500), "y": rng.normal(size=500)}
    )
    config = {"numerical_distributions": {"stars": "lognorm"}}
    with pytest.warns(UserWarning, match=r"'stars' was asked to follow 'lognorm'"):
        generator = fitted(frame, config)
    assert distribution_of(generator, "stars") == "empirical"
    # The same rule under default_distribution is the documented one, and
    # says nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fitted(frame, {"default_distribution": "lognorm"})


@pytest.mark.parametrize("distribution", ["parametric", *FAMILIES, "gaussian_kde"])
def test_fitting_tied_and_tiny_columns_raises_no_numeric_warnings(
    distribution: str,
) -> None:
    # SDV#769: scipy's fits leaked RuntimeWarnings ("invalid value
    # encountered in sqrt") to the user on every fit.
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(
        {
            "tied": rng.choice([1.5, 2.5, 2.5, 7.25], 400) + rng.normal(0, 1e-9, 400),
            "tiny": rng.lognormal(-30.0, 1.0, 400),
            "huge": rng.lognormal(40.0, 2.0, 400),
        }
    )
    with no_numeric_warnings():
        out = fitted(frame, {"default_distribution": distribution}).generate(1_000)
    for column in frame:
        assert out[column].notna().all()
        assert out[column].between(frame[column].min(), frame[column].max()).all()


# -- constant, near-constant and duplicated columns ------------------------------


@pytest.mark.parametrize("distribution", ["parametric", "gaussian_kde", "beta"])
def test_a_constant_column_beside_others_fits_and_stays_constant(
    distribution: str,
) -> None:
    # sdv-dev/Copulas#82: a kernel density of constant data raised
    # LinAlgError; SDV#6: a constant column filled the covariance with NaN.
    rng = np.random.default_rng(7)
    x = rng.normal(size=500)
    frame = pd.DataFrame(
        {"const": np.full(500, 3.25), "x": x, "y": x + rng.normal(size=500)}
    )
    generator = fitted(frame, {"default_distribution": distribution})
    assert np.isfinite(generator._fitted().correlation_).all()
    out = generator.generate(2_000)
    assert (out["const"] == 3.25).all()
    assert out["x"].corr(out["y"]) == pytest.approx(
        frame["x"].corr(frame["y"]), abs=0.06
    )


def test_one_odd_value_in_a_constant_column_is_kept_rare() -> None:
    # The near-constant case of the same reports: 999 copies and one other.
    frame = pd.DataFrame({"mostly": [1.0] * 999 + [4.0], "z": np.arange(1000.0)})
    out = fitted(frame).generate(20_000)["mostly"]
    assert set(out.unique()) <= {1.0, 4.0}
    assert (out == 4.0).mean() < 0.003


def test_two_identical_columns_condition_on_one_without_a_singular_matrix() -> None:
    # sdv-dev/Copulas#374 and SDV#240: a singular correlation made the
    # multivariate normal raise LinAlgError in sampling.
    rng = np.random.default_rng(8)
    x = np.round(rng.normal(50.0, 10.0, 800), 3)
    frame = pd.DataFrame({"x": x, "copy": x, "z": rng.normal(size=800)})
    generator = fitted(frame)
    value = float(x[17])
    out = generator.generate(200, conditions={"x": value})
    assert (out["x"] == value).all()
    # The copy follows: the copula's correlation is capped at 0.999, so it
    # stays within a fraction of x's spread of 10.
    assert (out["copy"] - value).abs().mean() < 1.5


# -- missing values --------------------------------------------------------------


def test_conditions_on_a_column_mostly_missing_are_met() -> None:
    # SDV#1512: conditional sampling failed when the numeric column asked
    # had many NaN, because some sampled rows came out missing.
    rng = np.random.default_rng(9)
    value = np.round(rng.normal(10.0, 2.0, 1_000), 2)
    value[rng.random(1_000) < 0.7] = np.nan
    frame = pd.DataFrame(
        {
            "value": value,
            "kind": rng.choice(["a", "b"], 1_000),
            "w": rng.normal(size=1_000),
        }
    )
    generator = fitted(frame)
    asked = float(frame["value"].dropna().iloc[3])
    out = generator.generate(300, conditions={"value": asked, "kind": "b"})
    assert len(out) == 300
    assert (out["value"] == asked).all() and (out["kind"] == "b").all()


def test_missing_values_keep_their_link_to_another_column() -> None:
    # SDV#551 and SDV#2288: values missing for a reason (a loan not yet paid
    # off has no payoff date) were generated too rarely, or not at all.
    rng = np.random.default_rng(10)
    status = rng.choice(["open", "closed"], 3_000, p=[0.3, 0.7])
    paid = np.where(status == "closed", rng.normal(500.0, 50.0, 3_000), np.nan)
    frame = pd.DataFrame({"status": status, "paid": paid})
    out = fitted(frame).generate(6_000)
    missing = out.groupby("status")["paid"].apply(lambda s: s.isna().mean())
    # The copula links the flag to the category through a latent normal,
    # which keeps a near-perfect link close but not exact.
    assert missing["open"] > 0.9
    assert missing["closed"] < 0.1


# -- ranges, rounding and dtypes -------------------------------------------------


def test_a_positive_column_full_of_zeros_gets_no_negative_values() -> None:
    # SDV#200: a column of positive values with a mean near 0 came out with
    # negative values.
    rng = np.random.default_rng(11)
    gain = np.where(rng.random(3_000) < 0.9, 0.0, rng.lognormal(7.0, 1.0, 3_000))
    frame = pd.DataFrame({"gain": gain, "age": rng.integers(18, 80, 3_000)})
    for distribution in ("parametric", "norm", "gaussian_kde"):
        out = fitted(frame, {"default_distribution": distribution}).generate(5_000)
        assert out["gain"].min() >= 0.0
        assert out["gain"].max() <= gain.max()
        assert (out["gain"] == 0.0).mean() == pytest.approx(0.9, abs=0.02)


def test_fractions_of_many_digits_are_not_rounded_to_whole_numbers() -> None:
    # SDV#1166 and SDV#1039: standard normal floats were all generated as
    # whole numbers, because a rounding scheme was learned from 16-digit
    # values.
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(rng.standard_normal((300, 2)), columns=["a", "b"])
    out = fitted(frame).generate(1_000)
    for column in frame:
        assert (out[column] != out[column].round()).mean() > 0.95


def test_two_decimal_amounts_keep_two_decimals() -> None:
    # SDV#1796 and SDV#1806: money with two decimals came back with 15 to 17.
    frame = pd.DataFrame(
        {"acct": [199.11, 19.22, 10.33, 100.44, 20002.01, 1.00, 100.20, 19.19] * 25}
    )
    out = fitted(frame).generate(1_000)["acct"]
    assert np.allclose(out, out.round(2), rtol=0, atol=1e-9)
    assert out.between(1.0, 20002.01).all()


def test_a_forced_gamma_on_an_integer_column_gives_integers() -> None:
    # SDV#249: gamma on an integer column failed in sampling with "cannot
    # convert non-finite values (NA or inf) to integer".
    rng = np.random.default_rng(13)
    frame = pd.DataFrame(
        {"visits": rng.poisson(3.0, 2_000) * 7 + rng.integers(0, 7, 2_000)}
    )
    config = {"numerical_distributions": {"visits": "gamma"}}
    out = fitted(frame, config).generate(3_000)["visits"]
    assert out.dtype == frame["visits"].dtype
    assert out.between(frame["visits"].min(), frame["visits"].max()).all()
    assert out.mean() == pytest.approx(frame["visits"].mean(), rel=0.1)


def test_a_rare_boolean_value_is_still_generated() -> None:
    # SDV#580 and SDV#216: the less common value of a boolean (or 0/1)
    # column was sometimes never generated.
    rng = np.random.default_rng(14)
    flag = rng.random(2_000) < 0.06
    frame = pd.DataFrame(
        {"flag": flag, "outcome": flag.astype(np.int64), "x": rng.normal(size=2_000)}
    )
    out = fitted(frame).generate(10_000)
    assert out["flag"].dtype == bool
    assert out["flag"].mean() == pytest.approx(0.06, abs=0.01)
    assert out["outcome"].mean() == pytest.approx(0.06, abs=0.01)


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (2**62, 2**62 + 10**6),
        (-(2**63) + 10, -(2**63) + 10**6),
        (2**63 - 10**6, 2**63 - 1),
    ],
    ids=["above-2-62", "near-int64-min", "near-int64-max"],
)
def test_integers_near_the_int64_limits_stay_in_range(low: int, high: int) -> None:
    # Large integer keys and counters: float64 keeps 53 bits, so values
    # past 2**53 must not be rounded out of the column's range or overflow
    # when turned back into int64.
    rng = np.random.default_rng(15)
    values = np.sort(rng.integers(low, high, 500, dtype=np.int64, endpoint=True))
    frame = pd.DataFrame({"big": values, "x": rng.normal(size=500)})
    with no_numeric_warnings():
        out = fitted(frame).generate(2_000)["big"]
    assert out.dtype == np.int64
    assert out.min() >= values.min() and out.max() <= values.max()
    assert out.nunique() > 100


def test_tiny_and_huge_magnitudes_keep_their_shape() -> None:
    # Values of 1e-12 and 1e15 in one table: each is scaled to its range,
    # so neither collapses to a constant.
    rng = np.random.default_rng(16)
    frame = pd.DataFrame(
        {"tiny": rng.normal(5e-12, 1e-12, 1_000), "huge": rng.normal(3e15, 4e14, 1_000)}
    )
    out = fitted(frame).generate(4_000)
    for column in frame:
        assert out[column].std() == pytest.approx(frame[column].std(), rel=0.1)
        assert out[column].mean() == pytest.approx(frame[column].mean(), rel=0.05)


# -- categories and conditions ---------------------------------------------------


def test_a_column_of_thousands_of_categories_fits_and_keeps_only_seen_values() -> None:
    # SDV#226 and SDV#459: many categories made the copula's fit hang or run
    # out of memory (one-hot columns, one kernel per value).
    rng = np.random.default_rng(17)
    codes = rng.zipf(1.3, 20_000) % 5_000
    frame = pd.DataFrame(
        {"city": [f"c{code}" for code in codes], "x": rng.normal(size=20_000)}
    )
    out = fitted(frame, discrete=("city",)).generate(5_000)
    assert set(out["city"]) <= set(frame["city"])
    top = frame["city"].value_counts(normalize=True).iloc[0]
    assert out["city"].value_counts(normalize=True).iloc[0] == pytest.approx(
        top, abs=0.02
    )


def test_a_category_never_seen_in_conditions_is_refused_by_name() -> None:
    # SDV#2376 (a KeyError on unseen categories) and the GaussianCopula
    # "cannot reshape array of size 0" of SDV pull 708: conditions outside
    # the data must fail with an error that names the column.
    rng = np.random.default_rng(18)
    frame = pd.DataFrame(
        {"color": rng.choice(["red", "blue"], 300), "x": rng.normal(size=300)}
    )
    generator = fitted(frame)
    with pytest.raises((InvalidDataError, ConditionNotMetError), match="color"):
        generator.generate(10, conditions={"color": "green"})
