"""Privacy distances: copies and close neighbours are caught, honest data passes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.evaluation import evaluate
from genesis.evaluation._features import exact_matches, nearest_distances
from tests.conftest import SHARED_DATA


@pytest.fixture(scope="module")
def adult_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    path = SHARED_DATA / "adult.csv"
    if not path.is_file():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    adult = pd.read_csv(path).sample(9_000, random_state=11)
    return adult.iloc[:6_000].reset_index(drop=True), adult.iloc[6_000:].reset_index(
        drop=True
    )


@pytest.fixture(scope="module")
def honest(adult_split: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    train, _ = adult_split
    generator = SyntheticGenerator(method="gaussian_copula", seed=3)
    return generator.fit(train, progress=False).generate(len(train))


def with_copies(
    honest: pd.DataFrame, train: pd.DataFrame, share: float, seed: int
) -> pd.DataFrame:
    """``honest`` with ``share`` of its rows replaced by training rows."""
    n_copies = round(share * len(honest))
    copies = train.sample(n_copies, random_state=seed)
    kept = honest.sample(len(honest) - n_copies, random_state=seed)
    return pd.concat([kept, copies]).sample(frac=1.0, random_state=seed)


def test_thirty_percent_copies_are_flagged(
    adult_split: tuple[pd.DataFrame, pd.DataFrame], honest: pd.DataFrame
) -> None:
    train, holdout = adult_split
    leaky = with_copies(honest, train, 0.30, seed=5)

    section = evaluate(train, leaky, holdout=holdout, properties=["privacy"]).privacy

    assert section["flagged"]
    # About 30% of the sampled synthetic rows are copies (2,000 drawn).
    assert section["exact_copies"]["synthetic"] == pytest.approx(0.30, abs=0.03)
    assert section["exact_copies"]["baseline"] < 0.01
    # The copies pull every copied training row to distance 0 from the
    # synthetic data, so the attack picks members well above chance.
    assert section["membership_inference"]["auc"] > 0.6
    assert section["score"] < 0.75
    assert any("exact copies" in flag for flag in section["flags"])


def test_an_honest_copula_sample_is_not_flagged(
    adult_split: tuple[pd.DataFrame, pd.DataFrame], honest: pd.DataFrame
) -> None:
    train, holdout = adult_split

    section = evaluate(train, honest, holdout=holdout, properties=["privacy"]).privacy

    assert not section["flagged"], section["flags"]
    assert section["exact_copies"]["synthetic"] < 0.01
    # Two thousand members and as many outsiders: chance is 0.5 +- 0.02.
    assert abs(section["membership_inference"]["auc"] - 0.5) < 0.04
    assert section["score"] > 0.9


def test_without_holdout_real_rows_are_their_own_baseline(
    adult_split: tuple[pd.DataFrame, pd.DataFrame], honest: pd.DataFrame
) -> None:
    train, _ = adult_split
    leaky = with_copies(honest, train, 0.30, seed=6)

    honest_section = evaluate(train, honest, properties=["privacy"]).privacy
    leaky_section = evaluate(train, leaky, properties=["privacy"]).privacy

    assert honest_section["membership_inference"] is None
    assert honest_section["baseline"].startswith("real rows")
    assert not honest_section["flagged"]
    assert leaky_section["flagged"]


def test_near_copies_sit_closer_than_fresh_rows_and_are_flagged(
    adult_split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = adult_split
    # Every synthetic row is a training row with its hours nudged by one:
    # no exact copy, but each hugs one real record.
    nudged = train.sample(3_000, random_state=8).copy()
    nudged["hours-per-week"] = nudged["hours-per-week"] + 1

    section = evaluate(train, nudged, holdout=holdout, properties=["privacy"]).privacy

    assert section["exact_copies"]["synthetic"] < 0.05
    assert section["dcr"]["closer_share"] > 0.9
    assert section["nndr"]["synthetic_median"] < section["nndr"]["baseline_median"]
    assert section["flagged"]


def test_nearest_distances_match_brute_force_in_blocks() -> None:
    rng = np.random.default_rng(0)
    reference = rng.random((700, 9)).astype(np.float32)
    queries = np.vstack([rng.random((300, 9)), reference[:5]]).astype(np.float32)

    found = nearest_distances(queries, reference, k=2)

    gaps = queries[:, None, :].astype(np.float64) - reference[None].astype(np.float64)
    brute = np.sort(np.sqrt((gaps**2).sum(axis=2)), axis=1)[:, :2]
    np.testing.assert_allclose(found, brute, rtol=1e-9, atol=1e-12)
    # Copies measure exactly 0, not a float32 rounding error.
    assert (found[-5:, 0] == 0.0).all()
    assert exact_matches(queries, reference).sum() == 5
