"""CTGAN and TVAE learn real data: a fidelity floor that an untrained model fails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from genesis_torch import CTGANGenerator, TVAEGenerator
from tests.torch.conftest import prepare

# Each model with a small budget that fits in a few seconds on two cores:
# (implementation, training rows, config for the trained model).
BUDGETS = [
    pytest.param(CTGANGenerator, 3000, {"epochs": 10, "batch_size": 200}, id="ctgan"),
    pytest.param(TVAEGenerator, 4000, {"epochs": 20}, id="tvae"),
]
# Trained, the models score 0.83 (CTGAN) and 0.94 (TVAE) here, SDV's 0.79 and
# 0.61 with the same budgets; after one epoch they score 0.63 and 0.60.
FLOOR = 0.75


def column_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Mean over columns of 1 - KS statistic (numbers) or 1 - total variation."""
    scores = []
    for column in real.columns:
        if pd.api.types.is_numeric_dtype(real[column]):
            gap = stats.ks_2samp(
                real[column].to_numpy(float), synthetic[column].to_numpy(float)
            ).statistic
        else:
            p = real[column].value_counts(normalize=True)
            q = synthetic[column].value_counts(normalize=True)
            gap = 0.5 * p.subtract(q, fill_value=0.0).abs().sum()
        scores.append(1.0 - gap)
    return float(np.mean(scores))


def similarity_after(implementation: type, data: pd.DataFrame, config: dict) -> float:
    preparer, prepared = prepare(data)
    generator = implementation(config, seed=0, device="cpu")
    generator.fit(prepared)
    rows = generator.generate(len(data), rng=np.random.default_rng(1))
    synthetic = preparer.inverse_transform(rows, len(data), np.random.default_rng(2))
    return column_similarity(data, synthetic)


@pytest.mark.parametrize(("implementation", "n_rows", "config"), BUDGETS)
def test_trained_model_clears_the_fidelity_floor(
    adult: pd.DataFrame, implementation: type, n_rows: int, config: dict
) -> None:
    data = adult.sample(n_rows, random_state=0).reset_index(drop=True)

    assert similarity_after(implementation, data, config) > FLOOR
    # The floor means something: the same model after one epoch is below it.
    assert similarity_after(implementation, data, {**config, "epochs": 1}) < FLOOR


LOAN_COLUMNS = ["sub_grade", "interest_rate", "loan_amount", "term", "annual_income"]


def explained_by(frame: pd.DataFrame, column: str, by: str) -> float:
    """Share of ``column``'s variance explained by its mean per ``by`` value."""
    means = frame.groupby(by)[column].transform("mean")
    within = ((frame[column] - means) ** 2).sum()
    return float(1.0 - within / ((frame[column] - frame[column].mean()) ** 2).sum())


@pytest.mark.parametrize(
    ("implementation", "config"),
    [
        pytest.param(CTGANGenerator, {"epochs": 2}, id="ctgan"),
        pytest.param(TVAEGenerator, {"epochs": 2}, id="tvae"),
    ],
)
def test_sub_grade_keeps_setting_the_interest_rate(
    shared_data, implementation: type, config: dict
) -> None:
    """The link SDV's CTGAN and TVAE lose on loans (ML efficacy below zero).

    In the real table the sub-grade explains 99.8% of the interest rate's
    variance. Without anchoring the rate to the sub-grade (the transformer's
    ``anchor_threshold=None``) ours explained 0.3-0.4% on these five columns
    after 2 epochs and 1.8% (CTGAN) / 7.8% (TVAE) after 30.
    """
    data = pd.read_csv(shared_data / "loans.csv", usecols=LOAN_COLUMNS)
    preparer, prepared = prepare(data)
    generator = implementation(config, seed=0, device="cpu")
    generator.fit(prepared)
    rows = generator.generate(len(data), rng=np.random.default_rng(1))
    synthetic = preparer.inverse_transform(rows, len(data), np.random.default_rng(2))

    assert explained_by(data, "interest_rate", "sub_grade") > 0.99
    assert explained_by(synthetic, "interest_rate", "sub_grade") > 0.95
    assert generator.transformer_.anchors == {"interest_rate": "sub_grade"}
