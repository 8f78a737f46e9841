"""One value of a continuous column as a condition.

No generated float hits a value exactly, so filtering can never meet such a
condition (SDV's GaussianCopula conditions on it exactly; ours refused with
"Only 0 of 12064 generated rows met the conditions"). The copula now fixes
the column's normal score and draws the rest conditioned on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator, TableMetadata
from genesis._config import resolve_config
from genesis._copula import (
    GaussianCopulaGenerator,
    _box_scores,
    _conditional_normals,
)
from genesis._registry import get_registry
from genesis.data import TablePreparer
from genesis.errors import ConditionNotMetError


@pytest.fixture(scope="module")
def linked() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, 3000)
    return pd.DataFrame(
        {
            "x": x,
            "y": 2.0 * x + rng.normal(0.0, 0.1, x.size),
            "side": np.where(x > 0, "up", "down"),
            "price": np.round(rng.uniform(1, 100, x.size), 2),
        }
    )


@pytest.fixture(scope="module")
def copula(linked: pd.DataFrame) -> SyntheticGenerator:
    return SyntheticGenerator("gaussian_copula", seed=0).fit(linked)


def test_one_value_of_a_float_column_is_held_and_the_rest_follow_it(
    copula: SyntheticGenerator,
) -> None:
    rows = copula.generate(2000, conditions={"x": 0.7312})
    assert len(rows) == 2000
    assert (rows["x"] == 0.7312).all()
    # y = 2x + noise in the real data: the rows follow x, not y's marginal.
    assert abs(rows["y"].mean() - 2 * 0.7312) < 0.1
    assert rows["y"].std() < 0.3  # y's own spread is about 2
    assert (rows["side"] == "up").mean() > 0.95


def test_a_held_value_combines_with_other_conditions(
    copula: SyntheticGenerator,
) -> None:
    rows = copula.generate(300, conditions={"x": -1.25, "side": "down", "y": (-3, -2)})
    assert (rows["x"] == -1.25).all()
    assert (rows["side"] == "down").all()
    assert rows["y"].between(-3, -2).all()


def test_two_held_values_and_streaming_keep_them(copula: SyntheticGenerator) -> None:
    rows = copula.generate(200, conditions={"x": 0.5, "y": 1.0})
    assert (rows["x"] == 0.5).all() and (rows["y"] == 1.0).all()
    batches = list(copula.iter_batches(250, 100, conditions={"x": 0.5}, seed=1))
    assert sum(map(len, batches)) == 250
    assert all((batch["x"] == 0.5).all() for batch in batches)


def test_a_value_on_a_rounded_column_is_held_and_one_off_its_grid_explained(
    copula: SyntheticGenerator,
) -> None:
    rows = copula.generate(100, conditions={"price": 42.17})
    assert (rows["price"] == 42.17).all()
    # The column holds cents: 42.175 is never written, and the error says
    # what to ask instead.
    with pytest.raises(ConditionNotMetError, match=r"'price' is continuous.*range"):
        copula.generate(10, conditions={"price": 42.175})


def test_methods_that_cannot_hold_a_value_point_to_a_range_or_the_copula(
    linked: pd.DataFrame,
) -> None:
    # "independent" comes from tests/plugins/genesis-example-plugin, which
    # every nox session running tests/core installs: a third-party method.
    if not get_registry().generators.backends_for("independent"):
        pytest.skip("the example plugin is not installed")
    independent = SyntheticGenerator("independent", seed=0).fit(linked)
    with pytest.raises(
        ConditionNotMetError, match=r"'x' is continuous.*'gaussian_copula'"
    ):
        independent.generate(10, conditions={"x": 0.7312})


def test_a_loaded_copula_holds_values_too(copula: SyntheticGenerator, tmp_path) -> None:
    path = tmp_path / "model.genesis"
    copula.save(path)
    rows = SyntheticGenerator.load(path).generate(50, conditions={"x": 0.7312})
    assert (rows["x"] == 0.7312).all()


@pytest.fixture(scope="module")
def rare() -> pd.DataFrame:
    """A category held by 0.5% of rows, whose rows sit far from the rest."""
    rng = np.random.default_rng(3)
    kind = np.where(rng.random(4000) < 0.005, "rare", "common")
    level = np.where(kind == "rare", 6.0, 0.0) + rng.normal(0.0, 1.0, kind.size)
    return pd.DataFrame({"kind": kind, "level": level})


def test_the_copula_draws_a_category_inside_its_interval(rare: pd.DataFrame) -> None:
    # A category owns an interval of its column's normal score; drawing that
    # score from the truncated normal meets the condition in every row, where
    # filtering kept one row in 200.
    preparer = TablePreparer(TableMetadata.infer(rare))
    prepared = preparer.fit_transform(rare, np.random.default_rng(0))
    copula = GaussianCopulaGenerator(
        resolve_config("gaussian_copula", GaussianCopulaGenerator.config_spec, {}),
        seed=0,
        device=None,
    )
    copula.fit(prepared)
    kind, level = prepared.keys
    code = preparer.plans[0].categories.index("rare")
    rows = copula.generate(1000, rng=np.random.default_rng(1), conditions={kind: code})
    assert (rows[kind] == code).all()
    # The same rows as the model's own: the rare rows of a large free draw.
    free = copula.generate(200_000, rng=np.random.default_rng(2))
    filtered = free[level][free[kind] == code]
    assert abs(rows[level].mean() - filtered.mean()) < 4 * filtered.std() / 30
    assert abs(rows[level].std() / filtered.std() - 1) < 0.15


def test_a_rare_category_and_a_held_value_together(rare: pd.DataFrame) -> None:
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(rare)
    rows = generator.generate(300, conditions={"kind": "rare"})
    assert (rows["kind"] == "rare").all()
    # Far above the common rows' 0 (the copula's linear link does not reach
    # the real 6: about 3.4, as its own rare rows drawn freely).
    assert rows["level"].mean() > 2.5
    held = generator.generate(300, conditions={"kind": "rare", "level": 5.5})
    assert (held["kind"] == "rare").all() and (held["level"] == 5.5).all()


def test_scores_in_several_boxes_follow_the_truncated_joint_normal() -> None:
    # Two linked columns held in tail intervals and a third held at one
    # value: the Gibbs draw should match the joint normal filtered to the
    # boxes (the reference, by rejection from a large free draw).
    correlation = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, -0.4], [0.3, -0.4, 1.0]])
    boxes = {0: (0.8, 2.0), 1: (-0.5, 0.6)}
    held = {2: np.full(4000, 0.5)}
    drawn = _box_scores(correlation, held, boxes, 4000, np.random.default_rng(0))
    for index, (low, high) in boxes.items():
        assert ((drawn[index] >= low) & (drawn[index] <= high)).all()
    # Reference: free normals given column 2 = 0.5, kept inside both boxes.
    free = _conditional_normals(
        correlation, {2: np.full(400_000, 0.5)}, 400_000, np.random.default_rng(1)
    )
    inside = (free[0] > 0.8) & (free[0] < 2.0) & (free[1] > -0.5) & (free[1] < 0.6)
    reference = free[:2, inside]
    assert reference.shape[1] > 10_000
    ours = np.stack([drawn[0], drawn[1]])
    assert np.allclose(ours.mean(axis=1), reference.mean(axis=1), atol=0.02)
    assert np.allclose(np.cov(ours), np.cov(reference), atol=0.02)


@pytest.fixture(scope="module")
def three_rare() -> pd.DataFrame:
    """Three flags, each set in about 2% of rows, independently; ``top``
    marks the upper tail of ``level``."""
    rng = np.random.default_rng(4)
    level = rng.normal(0.0, 1.0, 6000)
    return pd.DataFrame(
        {
            "level": level,
            "top": np.where(level > 2.05, "yes", "no"),
            "left": np.where(rng.random(level.size) < 0.02, "yes", "no"),
            "right": np.where(rng.random(level.size) < 0.02, "yes", "no"),
        }
    )


def test_several_rare_categories_are_all_drawn_in_their_intervals(
    three_rare: pd.DataFrame,
) -> None:
    # Before, only the rarest asked was drawn in its interval and the others
    # filtered: 298 of 1,002,000 rows met all three, under the filter's floor, so
    # this failed with "Only 0 of ... generated rows met the conditions".
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(three_rare)
    wanted = {"top": "yes", "left": "yes", "right": "yes"}
    rows = generator.generate(2000, conditions=wanted)
    assert len(rows) == 2000
    for column, value in wanted.items():
        assert (rows[column] == value).all()
    # top is level's upper tail, so the rows keep level there too.
    assert rows["level"].min() > 1.5
    assert rows["level"].mean() > 2.2
