"""The Gaussian copula, through the data plane: marginals, correlation, state."""

from __future__ import annotations

import json
import warnings
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis import (
    InvalidConfigError,
    NotFittedError,
    ProgressEvent,
    SyntheticGenerator,
    TableMetadata,
)
from genesis._config import resolve_config
from genesis._copula import (
    DISTRIBUTIONS,
    FAMILIES,
    GaussianCopulaGenerator,
    _box_scores,
)
from genesis.data import MISSING_SUFFIX, TablePreparer
from genesis.errors import ModelFileError
from genesis.protocols import GeneratorImpl

METHOD = GaussianCopulaGenerator.method
SPEC = GaussianCopulaGenerator.config_spec


def fit_copula(
    frame: pd.DataFrame,
    discrete_columns: Sequence[Hashable] = (),
    config: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> tuple[TablePreparer, GaussianCopulaGenerator]:
    preparer = TablePreparer(TableMetadata.infer(frame, discrete_columns))
    prepared = preparer.fit_transform(frame, np.random.default_rng(seed))
    copula = GaussianCopulaGenerator(
        resolve_config(METHOD, SPEC, config), seed=seed, device=None
    )
    copula.fit(prepared, progress=None)
    return preparer, copula


def generate_frame(
    preparer: TablePreparer, copula: GaussianCopulaGenerator, n: int, seed: int = 1
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return preparer.inverse_transform(copula.generate(n, rng=rng), n, rng)


def bivariate_normal(n: int, rho: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n)
    return pd.DataFrame({"x": values[:, 0], "y": values[:, 1]})


def test_copula_satisfies_the_generator_protocol() -> None:
    copula = GaussianCopulaGenerator(
        resolve_config(METHOD, SPEC, {}), seed=0, device=None
    )
    assert isinstance(copula, GeneratorImpl)
    assert (copula.method, copula.backend) == ("gaussian_copula", "numpy")
    assert copula.supports_conditions is True


def test_copula_recovers_the_correlation_of_a_bivariate_normal() -> None:
    preparer, copula = fit_copula(bivariate_normal(5_000, 0.7))
    synthetic = generate_frame(preparer, copula, 5_000)

    # 5,000 rows put the sampling error of a correlation near 0.01.
    assert copula.correlation_[0, 1] == pytest.approx(0.7, abs=0.05)
    assert synthetic["x"].corr(synthetic["y"]) == pytest.approx(0.7, abs=0.05)


def test_generate_keeps_integer_columns_integer_and_in_range() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"count": rng.poisson(40, 2_000), "age": rng.integers(18, 90, 2_000)}
    )
    preparer, copula = fit_copula(frame)
    synthetic = generate_frame(preparer, copula, 3_000)

    for name in frame.columns:
        assert synthetic[name].dtype == frame[name].dtype
        assert synthetic[name].between(frame[name].min(), frame[name].max()).all()
    # Integer-valued marginals: most seen values come back, not a handful.
    assert synthetic["age"].nunique() > 60


def test_generate_gives_only_seen_categories_at_their_frequencies() -> None:
    rng = np.random.default_rng(4)
    shares = {"red": 0.5, "green": 0.3, "blue": 0.15, "violet": 0.05}
    colour = rng.choice(list(shares), size=4_000, p=list(shares.values()))
    frame = pd.DataFrame({"colour": colour, "size": rng.normal(size=4_000)})
    preparer, copula = fit_copula(frame, discrete_columns=["colour"])
    synthetic = generate_frame(preparer, copula, 10_000)

    assert set(synthetic["colour"]) <= set(shares)
    observed = synthetic["colour"].value_counts(normalize=True)
    for value, share in shares.items():
        # 10,000 draws: the standard error of a 50 % share is 0.5 points.
        assert observed[value] == pytest.approx(share, abs=0.02)


def test_generate_keeps_the_share_of_a_point_mass() -> None:
    rng = np.random.default_rng(5)
    gain = np.where(rng.random(5_000) < 0.9, 0.0, rng.lognormal(8, 1, 5_000).round())
    preparer, copula = fit_copula(pd.DataFrame({"gain": gain}))
    synthetic = generate_frame(preparer, copula, 10_000)

    real_share = float((gain == 0).mean())
    assert (synthetic["gain"] == 0).mean() == pytest.approx(real_share, abs=0.02)
    # The rest stays continuous: not collapsed onto a few values.
    assert synthetic.loc[synthetic["gain"] > 0, "gain"].nunique() > 200


def test_generate_keeps_missing_rates() -> None:
    rng = np.random.default_rng(6)
    n = 4_000
    income = np.where(rng.random(n) < 0.25, np.nan, rng.gamma(3, 10_000, n))
    job = pd.Series(rng.choice(["clerk", "nurse", "chef"], n), dtype=object)
    job[rng.random(n) < 0.1] = None
    frame = pd.DataFrame({"income": income, "job": job})
    preparer, copula = fit_copula(frame, discrete_columns=["job"])
    synthetic = generate_frame(preparer, copula, 10_000)

    keys = [m["key"] for m in copula.get_state()[1]["marginals"]]
    assert keys == ["income", f"income{MISSING_SUFFIX}", "job"]
    for name in frame.columns:
        real_rate = frame[name].isna().mean()
        assert synthetic[name].isna().mean() == pytest.approx(real_rate, abs=0.02)


def test_generate_keeps_datetimes_in_range() -> None:
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2020-03-01", tz="UTC")
    days = pd.to_timedelta(rng.gamma(2, 60, 1_500).round(), unit="D")
    frame = pd.DataFrame({"signed_up": start + days, "spend": rng.gamma(2, 50, 1_500)})
    preparer, copula = fit_copula(frame)
    synthetic = generate_frame(preparer, copula, 3_000)

    assert synthetic["signed_up"].dtype == frame["signed_up"].dtype
    assert synthetic["signed_up"].min() >= frame["signed_up"].min()
    assert synthetic["signed_up"].max() <= frame["signed_up"].max()
    # Whole days in, whole days out.
    assert (synthetic["signed_up"].dt.hour == 0).all()


def test_same_seed_gives_identical_arrays() -> None:
    frame = bivariate_normal(1_000, 0.3).assign(g=lambda f: np.where(f.x > 0, "a", "b"))
    arrays = []
    for _ in range(2):
        _, copula = fit_copula(frame, discrete_columns=["g"], seed=11)
        arrays.append(copula.generate(500, rng=np.random.default_rng(2)))
    other = copula.generate(500, rng=np.random.default_rng(3))

    for key in arrays[0]:
        np.testing.assert_array_equal(arrays[0][key], arrays[1][key])
    assert not np.array_equal(arrays[0]["x"], other["x"])


def test_state_round_trip_through_json_gives_identical_output() -> None:
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(
        {
            "amount": np.where(rng.random(800) < 0.3, 0.0, rng.gamma(2, 100, 800)),
            "kind": rng.choice(["x", "y", "z"], 800),
            "score": np.where(rng.random(800) < 0.1, np.nan, rng.normal(size=800)),
        }
    )
    _, copula = fit_copula(frame, discrete_columns=["kind"])
    arrays, state = copula.get_state()
    restored = GaussianCopulaGenerator.from_state(
        copula.config,
        {name: np.array(value) for name, value in arrays.items()},
        json.loads(json.dumps(state)),
        device=None,
    )

    assert "correlation" in arrays
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    before = copula.generate(1_000, rng=np.random.default_rng(9))
    after = restored.generate(1_000, rng=np.random.default_rng(9))
    for key in before:
        np.testing.assert_array_equal(before[key], after[key])


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_every_distribution_fits_and_stays_in_range(distribution: str) -> None:
    rng = np.random.default_rng(10)
    frame = pd.DataFrame({"wait": rng.gamma(3, 2, 2_000) + 1.0})
    config = {"default_distribution": distribution}
    preparer, copula = fit_copula(frame, config=config)
    synthetic = generate_frame(preparer, copula, 4_000)

    chosen = copula.distributions_["wait"]
    if distribution == "parametric":
        assert chosen in (*FAMILIES, "gaussian_kde")
    else:
        assert chosen == distribution
    assert synthetic["wait"].between(frame["wait"].min(), frame["wait"].max()).all()
    # Even the worst family here (uniform) keeps the middle of the data.
    assert frame["wait"].min() < synthetic["wait"].median() < frame["wait"].max()


@pytest.mark.parametrize("distribution", ["parametric", "gaussian_kde", "gamma"])
def test_flexible_marginals_match_a_skewed_column(distribution: str) -> None:
    rng = np.random.default_rng(12)
    frame = pd.DataFrame({"wait": rng.gamma(2, 3, 3_000)})
    preparer, copula = fit_copula(frame, config={"default_distribution": distribution})
    synthetic = generate_frame(preparer, copula, 3_000)

    # Two samples of 3,000 from one distribution differ by a KS statistic of
    # about 0.02; a wrong shape (a normal here) gives over 0.06.
    assert _ks(frame["wait"], synthetic["wait"]) < 0.04


def test_kernel_density_keeps_the_bulk_beside_a_far_outlier() -> None:
    rng = np.random.default_rng(16)
    frame = pd.DataFrame({"price": np.append(rng.normal(50, 5, 3_000), 1e7)})
    config = {"default_distribution": "gaussian_kde"}
    preparer, copula = fit_copula(frame, config=config)
    synthetic = generate_frame(preparer, copula, 3_000)

    # The outlier stretches the range 200,000-fold past the bulk's spread; a
    # bandwidth or grid set by the range alone smears the bulk (KS near 0.5).
    assert _ks(frame["price"], synthetic["price"]) < 0.04


def test_truncnorm_fits_flat_data() -> None:
    # On flat data a truncated normal's likelihood grows with its scale without
    # end; unbounded fits reached scales near 1e20, where scipy fails.
    for seed in range(30):
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame({"slot": rng.integers(0, 100, 300)})
        config = {"default_distribution": "truncnorm"}
        preparer, copula = fit_copula(frame, config=config, seed=seed)
        synthetic = generate_frame(preparer, copula, 2_000)

        assert copula.distributions_["slot"] == "truncnorm"
        # Roughly flat output: each quarter of the range holds about a quarter.
        quarters = np.histogram(synthetic["slot"], bins=4, range=(0, 99))[0] / 2_000
        assert np.all(np.abs(quarters - 0.25) < 0.06), (seed, quarters)


def test_numerical_distributions_override_one_column() -> None:
    rng = np.random.default_rng(13)
    frame = pd.DataFrame({"a": rng.normal(size=1_000), "b": rng.normal(size=1_000)})
    config = {"default_distribution": "norm", "numerical_distributions": {"b": "beta"}}
    _, copula = fit_copula(frame, config=config)

    assert copula.distributions_ == {"a": "norm", "b": "beta"}


def test_unbounded_marginals_run_past_the_observed_range() -> None:
    frame = bivariate_normal(2_000, 0.0)
    config = {"default_distribution": "norm", "enforce_min_max_values": False}
    _, copula = fit_copula(frame, config=config)
    values = copula.generate(50_000, rng=np.random.default_rng(14))["x"]

    outside = (values < frame["x"].min()) | (values > frame["x"].max())
    # About 1 in 2,000 draws falls beyond the extremes of 2,000 rows.
    assert 0 < outside.sum() < 200


def test_bad_distribution_name_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidConfigError) as error:
        resolve_config(METHOD, SPEC, {"default_distribution": "weibull"})
    for name in DISTRIBUTIONS:
        assert repr(name) in str(error.value)

    with pytest.raises(InvalidConfigError, match="'gaussian_kde'"):
        resolve_config(METHOD, SPEC, {"numerical_distributions": {"age": "weibull"}})


def test_numerical_distributions_naming_no_continuous_column_is_refused() -> None:
    frame = pd.DataFrame({"a": np.arange(100.0), "g": ["x", "y"] * 50})
    config = {"numerical_distributions": {"g": "beta"}}
    with pytest.raises(
        InvalidConfigError, match=r"'g'.*continuous columns are \['a'\]"
    ):
        fit_copula(frame, discrete_columns=["g"], config=config)


def test_generate_needs_fit_and_leaves_other_conditions_to_the_core() -> None:
    copula = GaussianCopulaGenerator(
        resolve_config(METHOD, SPEC, {}), seed=0, device=None
    )
    with pytest.raises(NotFittedError):
        copula.generate(10, rng=np.random.default_rng(0))

    # Codes are asked of discrete columns only; a continuous key is the
    # core's to filter, so the draw goes on unsteered.
    _, copula = fit_copula(bivariate_normal(200, 0.5))
    rows = copula.generate(10, rng=np.random.default_rng(0), conditions={"x": 1})
    assert rows["x"].shape == (10,)


def test_fit_reports_progress_to_the_end() -> None:
    preparer = TablePreparer(TableMetadata.infer(bivariate_normal(300, 0.2)))
    prepared = preparer.fit_transform(
        bivariate_normal(300, 0.2), np.random.default_rng(0)
    )
    events: list[ProgressEvent] = []
    copula = GaussianCopulaGenerator(
        resolve_config(METHOD, SPEC, {}), seed=0, device=None
    )
    copula.fit(prepared, progress=events.append)

    assert events[-1].step == events[-1].total == 3
    assert {e.stage for e in events} == {"fit"}


def test_constant_and_tiny_tables_generate() -> None:
    frame = pd.DataFrame({"version": [7] * 5, "country": ["XX"] * 5})
    preparer, copula = fit_copula(frame, discrete_columns=["country"])

    assert copula.generate(4, rng=np.random.default_rng(0)) == {}
    synthetic = generate_frame(preparer, copula, 4)
    assert (synthetic["version"] == 7).all() and (synthetic["country"] == "XX").all()
    assert len(generate_frame(preparer, copula, 0)) == 0


def test_copula_keeps_a_binary_link_undiluted() -> None:
    rng = np.random.default_rng(15)
    latent = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], size=6_000)
    frame = pd.DataFrame(
        {"member": np.where(latent[:, 0] > 0.5, "yes", "no"), "spend": latent[:, 1]}
    )
    preparer, copula = fit_copula(frame, discrete_columns=["member"])
    synthetic = generate_frame(preparer, copula, 6_000)

    def gap(data: pd.DataFrame) -> float:
        means = data.groupby("member")["spend"].mean()
        return float(means["yes"] - means["no"])

    # The latent correlation (0.8) must be recovered, not the diluted
    # correlation of the codes (about 0.6), or the gap shrinks by a quarter.
    assert gap(synthetic) == pytest.approx(gap(frame), rel=0.08)


def test_copula_keeps_sub_grade_to_interest_rate_on_loans(shared_data: Path) -> None:
    columns = ["sub_grade", "grade", "interest_rate", "loan_amount", "term"]
    loans = pd.read_csv(shared_data / "loans.csv", usecols=columns)
    preparer, copula = fit_copula(loans, discrete_columns=["sub_grade", "grade"])
    synthetic = generate_frame(preparer, copula, len(loans))

    real = loans.groupby("sub_grade")["interest_rate"].median()
    fake = synthetic.groupby("sub_grade")["interest_rate"].median()
    both = real.index.intersection(fake.index)
    # 32 sub-grades that fix the rate: their order must survive the copula.
    assert len(both) >= 30
    assert real[both].rank().corr(fake[both].rank()) > 0.95


def test_copula_keeps_education_to_education_num_on_adult(shared_data: Path) -> None:
    adult = pd.read_csv(shared_data / "adult.csv").sample(8_000, random_state=0)
    discrete = [c for c in adult.columns if adult[c].dtype == object]
    preparer, copula = fit_copula(adult, discrete_columns=discrete)
    synthetic = generate_frame(preparer, copula, 8_000)

    pairs = set(zip(adult["education"], adult["education-num"], strict=True))
    kept = [
        pair in pairs
        for pair in zip(synthetic["education"], synthetic["education-num"], strict=True)
    ]
    # One number per education level in the real data; a copula that only
    # follows the order of the codes mixes neighbours in about 30 % of rows,
    # and without anchoring education-num to education ours still mixed a
    # few (up to 4 numbers per level).
    assert np.mean(kept) == 1.0
    assert copula.anchors_["education-num"].key == "education"


def graded_frame(n: int = 5_000, seed: int = 21) -> pd.DataFrame:
    """A grade that sets a rate, and a degree that fixes the years of study."""
    rng = np.random.default_rng(seed)
    grade = rng.integers(0, 25, n)
    degree = rng.integers(0, 6, n)
    return pd.DataFrame(
        {
            "grade": [f"G{g:02d}" for g in grade],
            "rate": 5.0 + grade + rng.normal(0.0, 0.3, n),
            "degree": [f"D{d}" for d in degree],
            "years": (10 + 2 * degree).astype(np.int64),
            "income": rng.lognormal(10.0 + 0.1 * degree, 0.4, n),
        }
    )


def explained(frame: pd.DataFrame, column: str, by: str) -> float:
    means = frame.groupby(by)[column].transform("mean")
    within = ((frame[column] - means) ** 2).sum()
    return float(1.0 - within / ((frame[column] - frame[column].mean()) ** 2).sum())


def test_a_number_a_category_sets_follows_the_generated_category() -> None:
    frame = graded_frame()
    preparer, copula = fit_copula(frame, discrete_columns=["grade", "degree"])
    synthetic = generate_frame(preparer, copula, len(frame))

    assert {k: a.key for k, a in copula.anchors_.items()} == {
        "rate": "grade",
        "years": "degree",
    }
    assert explained(frame, "rate", "grade") > 0.99
    assert explained(synthetic, "rate", "grade") > 0.98
    pairs = set(zip(frame["degree"], frame["years"], strict=True))
    assert set(zip(synthetic["degree"], synthetic["years"], strict=True)) <= pairs
    # The degree's codes are ordered by years, so income still rises with it.
    real_slope = np.polyfit(frame["years"], np.log(frame["income"]), 1)[0]
    fake_slope = np.polyfit(synthetic["years"], np.log(synthetic["income"]), 1)[0]
    assert fake_slope == pytest.approx(real_slope, rel=0.25)


def test_anchored_state_round_trip_gives_identical_output() -> None:
    _, copula = fit_copula(graded_frame(), discrete_columns=["grade", "degree"])
    arrays, state = copula.get_state()
    restored = GaussianCopulaGenerator.from_state(
        copula.config,
        {name: np.array(value) for name, value in arrays.items()},
        json.loads(json.dumps(state)),
        device=None,
    )

    assert restored.anchors_.keys() == copula.anchors_.keys()
    before = copula.generate(2_000, rng=np.random.default_rng(3))
    after = restored.generate(2_000, rng=np.random.default_rng(3))
    for key in before:
        np.testing.assert_array_equal(before[key], after[key])


def _ks(real: pd.Series, synthetic: pd.Series) -> float:
    grid = np.sort(np.concatenate([real.to_numpy(), synthetic.to_numpy()]))
    real_cdf = np.searchsorted(np.sort(real.to_numpy()), grid, side="right") / len(real)
    fake_cdf = np.searchsorted(np.sort(synthetic.to_numpy()), grid, side="right") / len(
        synthetic
    )
    return float(np.abs(real_cdf - fake_cdf).max())


def test_anchor_threshold_none_models_the_number_on_its_own() -> None:
    _, copula = fit_copula(
        graded_frame(), ["grade", "degree"], config={"anchor_threshold": None}
    )
    assert copula.anchors_ == {}
    with pytest.raises(InvalidConfigError, match="anchor_threshold"):
        fit_copula(graded_frame(), ["grade"], config={"anchor_threshold": 2})


def missing_grades_frame(n: int = 3_000, seed: int = 0) -> pd.DataFrame:
    """Grades (some missing) set a rate and the years; both numbers have gaps.

    Rows without a grade get the highest rate but the fewest years, so an
    order of the grades that follows the years alone breaks the rate's link.
    """
    rng = np.random.default_rng(seed)
    grade = rng.choice([*"ABCDEFG", None], n)
    rate_of = {g: 5.0 + 3.0 * i for i, g in enumerate("ABCDEFG")}
    rate = np.array([rate_of.get(g, 30.0) for g in grade]) + rng.normal(0, 0.2, n)
    years = np.array([float("ABCDEFG".find(g) + 1) if g else 0.0 for g in grade])
    rate[rng.random(n) < 0.1] = np.nan
    years[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"grade": grade, "rate": rate, "years": years})


def test_numbers_with_gaps_keep_their_grade_and_each_other() -> None:
    frame = missing_grades_frame()
    preparer, copula = fit_copula(frame, discrete_columns=["grade"])
    synthetic = generate_frame(preparer, copula, len(frame)).dropna()

    # The missing rows' stand-in values do not hide the links.
    assert {k: a.key for k, a in copula.anchors_.items()} == {
        "rate": "grade",
        "years": "grade",
    }
    real = frame.dropna().groupby("grade")["rate"].mean()
    fake = synthetic.groupby("grade")["rate"].mean()
    # Ordering the grades by years put the no-grade rows (rate 30, years 0)
    # first and flattened every grade's mean rate to 15-17.
    assert (fake - real).abs().max() < 1.5


def test_a_saved_anchor_without_its_arrays_is_refused() -> None:
    _, copula = fit_copula(graded_frame(), discrete_columns=["grade", "degree"])
    arrays, state = copula.get_state()
    damaged = {k: v for k, v in arrays.items() if not k.endswith(".anchor_scales")}
    with pytest.raises(ModelFileError, match=r"anchor_scales.*anchor of column 'rate'"):
        GaussianCopulaGenerator.from_state(copula.config, damaged, state, device=None)


def test_well_separated_clusters_leave_the_space_between_them_empty() -> None:
    # A bandwidth sized for one bump once put about a third of the synthetic
    # values between two clusters at 10 and 100 (real: none).
    rng = np.random.default_rng(8)
    clusters = np.r_[rng.normal(10, 1, 250), rng.normal(100, 1, 250)]
    rng.shuffle(clusters)
    real = pd.DataFrame({"level": clusters, "hour": rng.uniform(0, 24, 500)})
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    out = generator.fit(real, progress=False).generate(5000)["level"]
    between = ((out > 20) & (out < 90)).mean()
    assert between < 0.01
    assert 0.45 < (out < 55).mean() < 0.55


def boxed_reference(
    rho: float, boxes: Sequence[tuple[float, float]], n: int = 2_000_000
) -> np.ndarray:
    """Draws of two standard normals of correlation ``rho`` kept inside
    ``boxes`` (rejection from the free normal): the exact target."""
    free = np.linalg.cholesky([[1.0, rho], [rho, 1.0]]) @ (
        np.random.default_rng(11).standard_normal((2, n))
    )
    inside = np.ones(n, dtype=bool)
    for row, (low, high) in zip(free, boxes, strict=True):
        inside &= (row > low) & (row < high)
    return free[:, inside]


@pytest.mark.parametrize(
    "boxes",
    [[(-2.0, np.inf), (1.5, np.inf)], [(0.0, np.inf), (2.0, np.inf)]],
    ids=["wide-then-tail", "half-then-tail"],
)
def test_boxes_of_two_closely_linked_columns_follow_the_truncated_normal(
    boxes: list[tuple[float, float]],
) -> None:
    # Latent correlation 0.99, as between grade and sub-grade. Twenty Gibbs
    # sweeps from a start that drew the wide box first left both means 0.04
    # (wide-then-tail) and 0.02 (half-then-tail) below the target, 30 and
    # 20 standard errors off at 200,000 rows; the standard deviations were
    # 10% and 7% short.
    rho = 0.99
    reference = boxed_reference(rho, boxes)
    drawn = _box_scores(
        np.array([[1.0, rho], [rho, 1.0]]),
        {},
        dict(enumerate(boxes)),
        20_000,
        np.random.default_rng(0),
    )
    ours = np.stack([drawn[0], drawn[1]])
    # Standard error of a mean of 20,000 draws of spread 0.5 is about
    # 0.004: 0.015 is almost 4 of them, under half the old gap.
    assert np.abs(ours.mean(axis=1) - reference.mean(axis=1)).max() < 0.015
    assert np.abs(ours.std(axis=1) / reference.std(axis=1) - 1).max() < 0.03


def test_boxes_a_near_perfect_link_keeps_apart_get_finite_scores() -> None:
    # At the copula's largest correlation (0.999), asking one column below
    # its median and the other above drew a start far in the other box's
    # tail, where the normal CDF underflows: the scores became inf, then
    # NaN (RuntimeWarning: invalid value encountered in add).
    rho = 0.999
    boxes = [(-np.inf, 0.0), (0.0, np.inf)]
    reference = boxed_reference(rho, boxes)
    with np.errstate(invalid="raise", over="raise"):
        drawn = _box_scores(
            np.array([[1.0, rho], [rho, 1.0]]),
            {},
            dict(enumerate(boxes)),
            20_000,
            np.random.default_rng(0),
        )
    ours = np.stack([drawn[0], drawn[1]])
    assert np.isfinite(ours).all()
    assert (ours[0] <= 0).all() and (ours[1] >= 0).all()
    # Both sit within about 0.1 of 0 (the free normal's spread across the
    # diagonal is 0.045): a loose bound that NaN or a stray tail draw fails.
    assert np.abs(ours.mean(axis=1) - reference.mean(axis=1)).max() < 0.01


def test_conditions_two_near_copies_disagree_generate_without_warnings() -> None:
    # Two flags equal in all but 0.4% of rows (latent correlation 0.999),
    # asked to disagree: the same underflow as above, seen by the user as a
    # RuntimeWarning from numpy.
    rng = np.random.default_rng(0)
    first = rng.random(4_000) < 0.5
    second = first ^ (rng.random(first.size) < 0.004)
    frame = pd.DataFrame(
        {
            "first": np.where(first, "yes", "no"),
            "second": np.where(second, "yes", "no"),
            "level": rng.normal(size=first.size) + 2 * first,
        }
    )
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    generator.fit(frame, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        rows = generator.generate(500, conditions={"first": "yes", "second": "no"})
    assert len(rows) == 500
    assert ((rows["first"] == "yes") & (rows["second"] == "no")).all()
    assert rows["level"].notna().all()
