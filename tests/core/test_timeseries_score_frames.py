"""The time-series scores on the long frames TimeGAN fits on and generates.

A frame is cut into windows as fit cuts it, so scoring two frames gives
exactly the score of the windows cut by hand. The checks of the frames run
with the core alone; fits and scores run on every installed backend, with
tiny networks and few iterations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.evaluation import discriminative_score, predictive_score, temporal_score
from genesis.generators.timeseries import TimeGANGenerator

BACKENDS = get_registry().generators.backends_for("timegan")
STOCK = Path("/work/shared/data/timeseries/stock_data.csv")
TINY = {"hidden_dim": 4, "num_layers": 1, "batch_size": 8, "iterations": 2, "seed": 0}
QUICK = {"iterations": 20}
SEQ_LEN = 10
# Twenty iterations leave the classifier calling most windows one kind, and
# the scores warn so; the claims here are about the windows, not the score.
pytestmark = pytest.mark.filterwarnings("ignore:In 1 of 1 runs:UserWarning")


def shops() -> pd.DataFrame:
    """Four shops over 20 days, rows shuffled: fit and the scores sort them."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "shop": np.repeat(["d", "a", "c", "b"], 20),
            "day": np.tile(pd.date_range("2024-03-01", periods=20), 4),
            "segment": np.repeat(["small", "large", "small", "large"], 20),
            "sales": rng.normal(100.0, 10.0, 80).round(2),
            "visits": rng.integers(10, 60, 80),
        }
    )
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def by_hand(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Every window of SEQ_LEN days of each shop, sorted, one step apart."""
    windows = []
    for _, rows in frame.sort_values(["shop", "day"]).groupby("shop"):
        values = rows[columns].to_numpy(dtype=float)
        windows += [values[i : i + SEQ_LEN] for i in range(len(values) - SEQ_LEN + 1)]
    return np.stack(windows)


def with_segment(frame: pd.DataFrame) -> pd.DataFrame:
    """The segment one-hot (large, small) ahead of the features."""
    return frame.assign(
        large=(frame["segment"] == "large").astype(float),
        small=(frame["segment"] == "small").astype(float),
    )


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def fitted(backend: str) -> TimeGANGenerator:
    generator = TimeGANGenerator(SEQ_LEN, 2, backend=backend, **TINY)
    return generator.fit(
        shops(),
        entity_column="shop",
        time_column="day",
        context_columns=["segment"],
        progress=False,
    )


def test_frames_score_as_the_windows_fit_cuts(
    backend: str, fitted: TimeGANGenerator
) -> None:
    # The README's block: fit a long frame, score what generate gives.
    real, synthetic = shops(), fitted.generate(6, seed=0)
    columns = ["large", "small", "sales", "visits"]
    real_windows = by_hand(with_segment(real), columns)
    synthetic_windows = by_hand(with_segment(synthetic), columns)
    frames = {
        "entity_column": "shop",
        "time_column": "day",
        "context_columns": ["segment"],
        "backend": backend,
        **QUICK,
    }
    arrays = {"backend": backend, **QUICK}

    for score in (discriminative_score, predictive_score):
        assert score(real, synthetic, **frames) == score(
            real_windows, synthetic_windows, **arrays
        )
    assert temporal_score(real, synthetic, **frames) == temporal_score(
        real_windows, synthetic_windows, **arrays
    )


def test_context_columns_are_inputs_not_targets(
    backend: str, fitted: TimeGANGenerator
) -> None:
    real, synthetic = shops(), fitted.generate(6, seed=0)
    frames = {
        "entity_column": "shop",
        "time_column": "day",
        "context_columns": ["segment"],
        "target": "all",
        "backend": backend,
        **QUICK,
    }
    columns = ["large", "small", "sales", "visits"]
    real_windows = by_hand(with_segment(real), columns)
    synthetic_windows = by_hand(with_segment(synthetic), columns)
    # Predicting the constant one-hot columns too is a different, easier
    # task: the frame's score predicts sales and visits only.
    with_context_targets = predictive_score(
        real_windows, synthetic_windows, target="all", backend=backend, **QUICK
    )
    assert predictive_score(real, synthetic, **frames) != with_context_targets


@pytest.mark.skipif(not STOCK.exists(), reason="the shared stock data is not here")
def test_one_long_series_scores_against_generated_sequences(backend: str) -> None:
    # Fitted without an entity column, generate numbers its sequences in a
    # "sequence_id" column that the real frame does not have.
    stock = pd.read_csv(STOCK).head(200).rename_axis("day").reset_index()
    generator = TimeGANGenerator(SEQ_LEN, 6, backend=backend, **TINY)
    synthetic = generator.fit(stock, time_column="day", progress=False).generate(8)
    assert "sequence_id" in synthetic.columns

    features = list(stock.columns[1:])
    values = stock[features].to_numpy()
    real_windows = np.stack([values[i : i + SEQ_LEN] for i in range(200 - SEQ_LEN + 1)])
    synthetic_windows = synthetic[features].to_numpy().reshape(8, SEQ_LEN, 6)
    arrays = {"backend": backend, **QUICK}
    assert discriminative_score(
        stock, synthetic, time_column="day", **arrays
    ) == discriminative_score(real_windows, synthetic_windows, **arrays)


def test_seq_len_cuts_both_frames_and_warns_of_short_entities(backend: str) -> None:
    real = shops()
    real = real[~((real["shop"] == "a") & (real["day"] > "2024-03-05"))]
    synthetic = shops()
    options = {"entity_column": "shop", "time_column": "day", "seq_len": SEQ_LEN}
    columns = ["sales", "visits"]
    expected = discriminative_score(
        by_hand(real[real["shop"] != "a"], columns),
        by_hand(synthetic, columns),
        backend=backend,
        **QUICK,
    )
    with pytest.warns(UserWarning, match="1 of 4 real entities have fewer than"):
        score = discriminative_score(
            real.drop(columns="segment"),
            synthetic.drop(columns="segment"),
            backend=backend,
            **options,
            **QUICK,
        )
    assert score == expected


# -- the frames' checks (before any backend is asked) ------------------------


def generated_like(frame: pd.DataFrame, lengths: list[int]) -> pd.DataFrame:
    """Sequences of the given lengths, in the frame's columns."""
    parts = []
    for i, length in enumerate(lengths):
        part = frame[frame["shop"] == "a"].sort_values("day").head(length)
        parts.append(part.assign(shop=f"synthetic-{i}"))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize(
    ("real", "synthetic", "options", "error", "words"),
    [
        (
            shops(),
            shops().to_numpy(),
            {},
            InvalidDataError,
            "real is a DataFrame and synthetic a ndarray; pass both",
        ),
        (
            np.zeros((4, 5, 2)),
            np.zeros((4, 5, 2)),
            {"entity_column": "shop", "time_column": "day"},
            InvalidDataError,
            "entity_column, time_column describe long DataFrames, but real is",
        ),
        (
            shops(),
            shops(),
            {"entity_column": "store", "context_columns": ["segment"]},
            InvalidDataError,
            "In the real frame: entity_column='store' is not a column",
        ),
        (
            shops(),
            shops().drop(columns="visits"),
            {
                "entity_column": "shop",
                "time_column": "day",
                "context_columns": ["segment"],
            },
            InvalidDataError,
            "The synthetic frame lacks the feature column(s) ['visits']",
        ),
        (
            shops(),
            shops().assign(extra=1.0),
            {
                "entity_column": "shop",
                "time_column": "day",
                "context_columns": ["segment"],
            },
            InvalidDataError,
            "The synthetic frame has column(s) ['extra']",
        ),
        (
            shops(),
            generated_like(shops(), [10, 10, 12]),
            {
                "entity_column": "shop",
                "time_column": "day",
                "context_columns": ["segment"],
            },
            InvalidDataError,
            "2 different lengths (10 to 12 rows)",
        ),
        (
            shops(),
            shops(),
            {
                "entity_column": "shop",
                "time_column": "day",
                "seq_len": 1,
                "context_columns": ["segment"],
            },
            InvalidConfigError,
            "seq_len must be an integer of at least 2",
        ),
        (
            shops(),
            shops().assign(sales=np.nan),
            {
                "entity_column": "shop",
                "time_column": "day",
                "context_columns": ["segment"],
                "seq_len": 5,
            },
            InvalidDataError,
            "The synthetic frame has missing or infinite values in 'sales' (80)",
        ),
        (
            shops(),
            shops(),
            {
                "entity_column": "shop",
                "time_column": "day",
                "seq_len": 25,
                "context_columns": ["segment"],
            },
            InvalidDataError,
            "Every real sequence is shorter than seq_len=25 (the longest has 20",
        ),
        (
            shops(),
            shops(),
            {"entity_column": "shop", "time_column": "day"},
            InvalidDataError,
            "In the real frame: Column 'segment' has dtype",
        ),
    ],
)
def test_frames_the_scores_cannot_compare_are_refused(
    real, synthetic, options, error, words
) -> None:
    for score in (discriminative_score, predictive_score, temporal_score):
        with pytest.raises(error) as caught:
            score(real, synthetic, **options)
        assert words in str(caught.value)
