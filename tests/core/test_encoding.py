"""Layer 2 of the data plane: mode-specific normalisation, spans, sampling."""

from __future__ import annotations

import itertools
import json
import logging
import os
import tracemalloc
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis.data import (
    ConditionalSampler,
    EncodedTable,
    PreparedColumn,
    PreparedTable,
    SpanKind,
    TablePreparer,
    TableTransformer,
)
from genesis.errors import InvalidConfigError, InvalidDataError, NotFittedError
from genesis.metadata import ColumnType, TableMetadata

# The repository sits beside a copy of shared/ (locally and in CI).
SHARED_DATA = Path(
    os.environ.get(
        "GENESIS_SHARED_DATA", Path(__file__).parents[2].parent / "shared" / "data"
    )
)

# A float32 scalar keeps 24 bits; decoding multiplies it by 4 standard
# deviations of its mode, which stay below the column's range.
FLOAT32_TOLERANCE = 4 * 2.0**-24


def continuous(key: str, values: np.ndarray) -> PreparedColumn:
    values = np.asarray(values, dtype=np.float64)
    return PreparedColumn(
        key=key,
        source=key,
        kind="continuous",
        values=values,
        lower=float(values.min()),
        upper=float(values.max()),
    )


def discrete(key: str, codes: np.ndarray) -> PreparedColumn:
    codes = np.asarray(codes, dtype=np.int64)
    return PreparedColumn(
        key=key,
        source=key,
        kind="discrete",
        values=codes,
        frequencies=np.bincount(codes) / len(codes),
    )


def table(*columns: PreparedColumn) -> PreparedTable:
    return PreparedTable(list(columns), len(columns[0].values))


@pytest.fixture(scope="module")
def adult() -> PreparedTable:
    path = SHARED_DATA / "adult.csv"
    if not path.is_file():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    frame = pd.read_csv(path)
    preparer = TablePreparer(TableMetadata.infer(frame))
    return preparer.fit_transform(frame, np.random.default_rng(0))


@pytest.fixture(scope="module")
def mixed() -> PreparedTable:
    """Continuous and discrete columns, one with a rare category."""
    rng = np.random.default_rng(3)
    n = 4_000
    return table(
        continuous("amount", rng.lognormal(3.0, 1.0, n)),
        discrete("colour", rng.choice(4, n, p=[0.6, 0.3, 0.099, 0.001])),
        continuous("score", rng.normal(50.0, 10.0, n)),
        discrete("flag", rng.integers(0, 2, n)),
    )


def test_adult_round_trip_restores_codes_and_values(adult: PreparedTable) -> None:
    transformer = TableTransformer()
    encoded = transformer.fit_transform(adult, np.random.default_rng(0))
    decoded = transformer.inverse_transform(encoded.matrix, np.random.default_rng(1))

    assert encoded.matrix.dtype == np.float32
    assert encoded.matrix.flags.c_contiguous
    assert list(decoded) == adult.keys
    scalars = {
        s.column: encoded.matrix[:, s.start]
        for s in encoded.spans
        if s.kind == SpanKind.CONTINUOUS_SCALAR
    }
    for column in adult.columns:
        if column.kind == "discrete" or column.key in transformer.derived:
            assert np.array_equal(decoded[column.key], column.values), column.key
            continue
        # A value over 3.96 standard deviations from the mode drawn for it is
        # clipped by design; such draws have posterior probability ~1e-3.
        clipped = np.abs(scalars[column.key]) >= np.float32(0.99)
        assert clipped.mean() < 0.002, column.key
        error = np.abs(decoded[column.key] - column.values)[~clipped]
        span = column.upper - column.lower
        assert error.max() <= FLOAT32_TOLERANCE * span, column.key


def test_adult_continuous_columns_keep_few_modes(adult: PreparedTable) -> None:
    transformer = TableTransformer().fit(adult, np.random.default_rng(0))

    # Six continuous columns, of which education-num is a function of
    # education (derived: encoded as it is, set from education on output);
    # most keep a handful of modes, and capital-loss (a spike at 0 and one
    # cluster of losses) keeps two.
    modes = transformer.modes_kept
    assert transformer.derived == ["education-num"]
    assert set(modes) == {
        "age",
        "fnlwgt",
        "education-num",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
    }
    assert all(1 <= count <= 10 for count in modes.values())
    assert modes["capital-loss"] <= 3


def test_bimodal_column_keeps_two_modes_and_narrow_one_keeps_one() -> None:
    rng = np.random.default_rng(0)
    bimodal = np.concatenate(
        [rng.normal(-5.0, 1.0, 3_000), rng.normal(5.0, 1.0, 2_000)]
    )
    narrow = 7.0 + rng.normal(0.0, 1e-3, 5_000)
    prepared = table(continuous("bimodal", bimodal), continuous("narrow", narrow))

    transformer = TableTransformer().fit(prepared, np.random.default_rng(1))

    assert transformer.modes_kept == {"bimodal": 2, "narrow": 1}
    # A zero scalar decodes to its mode's mean: the two clusters' centres.
    matrix = np.zeros((2, transformer.output_width), dtype=np.float32)
    matrix[0, 1] = matrix[1, 2] = 1.0
    matrix[:, 4] = 1.0
    decoded = transformer.inverse_transform(matrix, np.random.default_rng(2))
    assert decoded["bimodal"] == pytest.approx([-5.0, 5.0], abs=0.1)
    assert decoded["narrow"] == pytest.approx([7.0, 7.0], abs=1e-4)


def test_spans_are_contiguous_and_cover_the_width(mixed: PreparedTable) -> None:
    transformer = TableTransformer()
    encoded = transformer.fit_transform(mixed, np.random.default_rng(0))
    spans = encoded.spans

    assert spans == transformer.spans
    assert spans[0].start == 0
    assert all(a.stop == b.start for a, b in itertools.pairwise(spans))
    assert spans[-1].stop == transformer.output_width == encoded.matrix.shape[1]
    assert [(s.column, s.kind) for s in spans] == [
        ("amount", SpanKind.CONTINUOUS_SCALAR),
        ("amount", SpanKind.MODE_ONE_HOT),
        ("colour", SpanKind.CATEGORY_ONE_HOT),
        ("score", SpanKind.CONTINUOUS_SCALAR),
        ("score", SpanKind.MODE_ONE_HOT),
        ("flag", SpanKind.CATEGORY_ONE_HOT),
    ]
    assert [s.width for s in spans if s.kind != SpanKind.MODE_ONE_HOT] == [1, 4, 1, 2]
    for span in spans:
        block = encoded.matrix[:, span.start : span.stop]
        if span.kind == SpanKind.CONTINUOUS_SCALAR:
            assert np.abs(block).max() <= np.float32(0.99)
        else:
            assert span.width == block.shape[1] > 0
            assert np.array_equal(block.sum(axis=1), np.ones(len(block)))
    mode_widths = {s.column: s.width for s in spans if s.kind == SpanKind.MODE_ONE_HOT}
    assert mode_widths == transformer.modes_kept
    assert transformer.category_span("colour") == spans[2]


def test_conditional_sampler_rows_have_the_chosen_category(
    mixed: PreparedTable,
) -> None:
    encoded = TableTransformer().fit_transform(mixed, np.random.default_rng(0))
    sampler = ConditionalSampler(encoded)

    cond, mask, rows = sampler.sample_training(5_000, np.random.default_rng(1))

    assert sampler.n_discrete == 2
    assert sampler.width == 6
    assert cond.shape == (5_000, 6) and cond.dtype == np.float32
    assert mask.shape == (5_000, 2) and mask.dtype == np.float32
    assert rows.dtype == np.int64
    assert np.array_equal(cond.sum(axis=1), np.ones(5_000))
    assert np.array_equal(mask.sum(axis=1), np.ones(5_000))
    chosen = mask.argmax(axis=1)
    position = cond.argmax(axis=1)
    cond_start = np.array([s.start for s in sampler.cond_spans])
    cond_stop = np.array([s.stop for s in sampler.cond_spans])
    assert np.all((position >= cond_start[chosen]) & (position < cond_stop[chosen]))
    matrix_start = np.array(
        [s.start for s in encoded.spans if s.kind == SpanKind.CATEGORY_ONE_HOT]
    )
    columns = matrix_start[chosen] + position - cond_start[chosen]
    assert np.all(encoded.matrix[rows, columns] == 1.0)
    # Both discrete columns get picked, about half the time each.
    assert abs(chosen.mean() - 0.5) < 0.03


def test_log_frequency_sampling_favours_rare_categories() -> None:
    counts = np.array([9_000, 900, 90, 10])
    codes = np.repeat(np.arange(4), counts)
    prepared = table(discrete("grade", codes))
    encoded = TableTransformer().fit_transform(prepared, np.random.default_rng(0))
    sampler = ConditionalSampler(encoded)

    training, _, _ = sampler.sample_training(40_000, np.random.default_rng(1))
    original = sampler.sample_original(40_000, np.random.default_rng(2))

    log_share = np.log1p(counts) / np.log1p(counts).sum()
    frequency = counts / counts.sum()
    # 40,000 draws: the standard error of a share is below 0.0025.
    assert training.mean(axis=0) == pytest.approx(log_share, abs=0.01)
    assert original.mean(axis=0) == pytest.approx(frequency, abs=0.01)
    assert training[:, 3].mean() > 50 * frequency[3]


def test_fixed_condition_selects_one_category(mixed: PreparedTable) -> None:
    transformer = TableTransformer()
    sampler = ConditionalSampler(
        transformer.fit_transform(mixed, np.random.default_rng(0))
    )

    slot = transformer.code_to_slot("colour", 3)
    cond = sampler.fixed("colour", slot, 5)

    assert cond.shape == (5, sampler.width)
    assert np.array_equal(np.flatnonzero(cond[0]), [sampler.cond_spans[0].start + 3])
    assert np.array_equal(cond, np.repeat(cond[:1], 5, axis=0))
    with pytest.raises(InvalidDataError, match="'colour'"):
        sampler.fixed("colour", 4, 5)
    with pytest.raises(InvalidDataError, match="'colour'"):
        transformer.code_to_slot("colour", 7)
    with pytest.raises(InvalidDataError, match="'amount'"):
        transformer.category_span("amount")


def test_sampler_without_discrete_columns_gives_empty_conditions() -> None:
    rng = np.random.default_rng(0)
    prepared = table(continuous("x", rng.normal(size=300)))
    sampler = ConditionalSampler(
        TableTransformer().fit_transform(prepared, np.random.default_rng(1))
    )

    cond, mask, rows = sampler.sample_training(64, np.random.default_rng(2))

    assert (sampler.n_discrete, sampler.width) == (0, 0)
    assert cond.shape == mask.shape == (64, 0)
    assert sampler.sample_original(64, np.random.default_rng(3)).shape == (64, 0)
    assert rows.min() >= 0 and rows.max() < 300
    assert len(np.unique(rows)) > 40


def test_high_cardinality_column_is_capped_in_bounded_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = np.random.default_rng(0)
    # 100 common codes (200 rows each) and 19,900 rare ones (1 or 2 rows).
    codes = np.concatenate(
        [
            np.repeat(np.arange(100), 200),
            np.arange(100, 20_000),
            rng.integers(100, 20_000, 100),
        ]
    )
    rng.shuffle(codes)
    prepared = table(
        discrete("ticket", codes), continuous("x", rng.normal(size=40_000))
    )
    transformer = TableTransformer()

    tracemalloc.start()
    with caplog.at_level(logging.WARNING, logger="genesis.data._encoding"):
        encoded = transformer.fit_transform(prepared, np.random.default_rng(1))
    decoded = transformer.inverse_transform(encoded.matrix, np.random.default_rng(2))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert transformer.category_span("ticket").width == 200
    # One-hot of every code would take 40,000 x 20,000 x 4 bytes = 3.2 GB.
    assert peak < 100 * 2**20
    assert "'ticket'" in caplog.text and "identifier" in caplog.text
    seen = np.unique(codes)
    assert np.isin(decoded["ticket"], seen).all()
    pooled_slot = 199
    pooled = encoded.matrix[:, transformer.category_span("ticket").start + pooled_slot]
    kept = pooled == 0
    assert np.array_equal(decoded["ticket"][kept], codes[kept])
    # Pooled rows come back as rare codes, spread over many of them.
    assert transformer.code_to_slot("ticket", 5) < pooled_slot
    rare = decoded["ticket"][~kept]
    assert all(transformer.code_to_slot("ticket", c) == pooled_slot for c in rare[:50])
    assert len(np.unique(rare)) > 5_000
    arrays, _ = transformer.get_state()
    assert sum(a.nbytes for a in arrays.values()) < 2**20


def test_state_round_trip_through_json_gives_identical_output(
    mixed: PreparedTable,
) -> None:
    rng = np.random.default_rng(5)
    wide = discrete("city", rng.integers(0, 12, mixed.n_rows))
    prepared = PreparedTable([*mixed.columns, wide], mixed.n_rows)
    transformer = TableTransformer(max_categories=5)
    encoded = transformer.fit_transform(prepared, np.random.default_rng(0))

    arrays, state = transformer.get_state()
    restored = TableTransformer.from_state(
        {name: array.copy() for name, array in arrays.items()},
        json.loads(json.dumps(state)),
    )

    assert restored.spans == transformer.spans
    assert restored.modes_kept == transformer.modes_kept
    generated = np.random.default_rng(6).uniform(-1.0, 1.0, encoded.matrix.shape)
    sigmas = np.full(transformer.output_width, 0.05)
    before = transformer.inverse_transform(generated, np.random.default_rng(7), sigmas)
    after = restored.inverse_transform(generated, np.random.default_rng(7), sigmas)
    assert list(before) == list(after) == prepared.keys
    for key in prepared.keys:
        assert np.array_equal(before[key], after[key]), key
    reencoded = restored.transform(prepared, np.random.default_rng(8))
    original = transformer.transform(prepared, np.random.default_rng(8))
    assert np.array_equal(reencoded.matrix, original.matrix)


def test_fit_is_deterministic_for_a_seed(mixed: PreparedTable) -> None:
    first = TableTransformer(max_fit_rows=1_000).fit_transform(
        mixed, np.random.default_rng(11)
    )
    second = TableTransformer(max_fit_rows=1_000).fit_transform(
        mixed, np.random.default_rng(11)
    )

    assert first.spans == second.spans
    assert np.array_equal(first.matrix, second.matrix)


def test_sigmas_add_noise_to_continuous_columns_only(mixed: PreparedTable) -> None:
    transformer = TableTransformer()
    encoded: EncodedTable = transformer.fit_transform(mixed, np.random.default_rng(0))

    plain = transformer.inverse_transform(encoded.matrix, np.random.default_rng(1))
    silent = transformer.inverse_transform(
        encoded.matrix, np.random.default_rng(1), np.zeros(2)
    )
    noisy = transformer.inverse_transform(
        encoded.matrix, np.random.default_rng(1), np.full(2, 0.1)
    )

    for key in mixed.keys:
        assert np.array_equal(plain[key], silent[key]), key
    assert np.array_equal(noisy["colour"], plain["colour"])
    assert np.array_equal(noisy["flag"], plain["flag"])
    assert not np.allclose(noisy["score"], plain["score"])
    with pytest.raises(InvalidDataError, match="sigmas"):
        transformer.inverse_transform(encoded.matrix, np.random.default_rng(1), [0.1])


@pytest.mark.parametrize("name", ["mixed", "adult"])
def test_drawn_slots_decode_as_the_arg_max_of_their_spans(
    name: str, request: pytest.FixtureRequest
) -> None:
    # "adult" needs the shared data sets; "mixed" runs everywhere.
    prepared = request.getfixturevalue(name)
    transformer = TableTransformer()
    encoded = transformer.fit_transform(prepared, np.random.default_rng(0))
    one_hot = [s for s in encoded.spans if s.kind != SpanKind.CONTINUOUS_SCALAR]
    slots = np.stack(
        [np.argmax(encoded.matrix[:, s.start : s.stop], axis=1) for s in one_hot],
        axis=1,
    )
    # The one-hot columns are not read when slots are given.
    blanked = encoded.matrix.copy()
    for span in one_hot:
        blanked[:, span.start : span.stop] = np.nan
    by_slots = transformer.inverse_transform(
        blanked, np.random.default_rng(1), slots=slots
    )
    by_arg_max = transformer.inverse_transform(encoded.matrix, np.random.default_rng(1))
    for key in by_arg_max:
        np.testing.assert_array_equal(by_slots[key], by_arg_max[key], err_msg=key)


def test_bad_slots_fail_with_a_named_error(mixed: PreparedTable) -> None:
    transformer = TableTransformer()
    encoded = transformer.fit_transform(mixed, np.random.default_rng(0))
    n_one_hot = sum(s.kind != SpanKind.CONTINUOUS_SCALAR for s in encoded.spans)
    rng = np.random.default_rng(0)
    matrix = encoded.matrix[:5]
    with pytest.raises(InvalidDataError, match="shape"):
        transformer.inverse_transform(matrix, rng, slots=np.zeros((5, 1), int))
    with pytest.raises(InvalidDataError, match="integers"):
        transformer.inverse_transform(matrix, rng, slots=np.zeros((5, n_one_hot)))
    slots = np.zeros((5, n_one_hot), dtype=np.int64)
    colour = next(
        number
        for number, span in enumerate(
            s for s in encoded.spans if s.kind != SpanKind.CONTINUOUS_SCALAR
        )
        if span.column == "colour"
    )
    slots[3, colour] = 99
    with pytest.raises(InvalidDataError, match=r"slots\[3, .*'colour'"):
        transformer.inverse_transform(matrix, rng, slots=slots)


def test_misuse_fails_with_a_named_error(mixed: PreparedTable) -> None:
    transformer = TableTransformer()
    with pytest.raises(NotFittedError):
        transformer.transform(mixed, np.random.default_rng(0))

    transformer.fit(mixed, np.random.default_rng(0))
    with pytest.raises(InvalidDataError, match="shape"):
        transformer.inverse_transform(np.zeros((3, 2)), np.random.default_rng(0))
    other = table(mixed["amount"], mixed["colour"])
    with pytest.raises(InvalidDataError, match="'score'"):
        transformer.transform(other, np.random.default_rng(0))


# -- anchors: a continuous column that a discrete one nearly determines ------------


def eta_squared(values: np.ndarray, codes: np.ndarray) -> float:
    """Share of the variance of ``values`` explained by the means per code."""
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / np.maximum(counts, 1)
    within = ((values - means[codes]) ** 2).sum()
    return float(1.0 - within / ((values - values.mean()) ** 2).sum())


@pytest.fixture(scope="module")
def graded() -> PreparedTable:
    """A loan table in miniature: the grade sets the rate, and more."""
    rng = np.random.default_rng(11)
    n = 4_000
    shares = np.r_[np.full(19, 0.99 / 19), 0.01 * 0.1, 0.01 * 0.9]
    grade = rng.choice(21, n, p=shares / shares.sum())
    base = np.linspace(5.0, 30.0, 21)
    ids = rng.integers(0, 1_000, n)
    return table(
        discrete("grade", grade),
        # The rate scatters around its grade's level, more for riskier grades.
        continuous("rate", base[grade] + rng.normal(0.0, 0.2 + 0.02 * grade)),
        # A constant per grade, like years of schooling per degree.
        continuous("level", (grade % 7).astype(np.float64) * 3.0),
        continuous("income", rng.lognormal(10.0, 0.5, n)),
        # 1,000 codes over 4,000 rows: by chance alone the codes explain a
        # quarter of any column's variance, and this column is set by them.
        discrete("branch", ids),
        continuous("branch_size", rng.normal(0.0, 1.0, 1_000)[ids]),
    )


def test_anchors_are_found_only_where_a_category_determines_the_value(
    graded: PreparedTable,
) -> None:
    transformer = TableTransformer(max_categories=2_000)
    transformer.fit(graded, np.random.default_rng(0))

    # branch explains all of branch_size, but with 4 rows per branch chance
    # could too, so it is not trusted as an anchor.
    assert transformer.anchors == {"rate": "grade", "level": "grade"}
    # level is one value per grade: modelled as it is, set from the grade.
    assert transformer.derived == ["level"]
    assert (
        TableTransformer(anchor_threshold=None)
        .fit(graded, np.random.default_rng(0))
        .anchors
        == {}
    )


def test_anchored_columns_round_trip(graded: PreparedTable) -> None:
    transformer = TableTransformer()
    encoded = transformer.fit_transform(graded, np.random.default_rng(0))
    decoded = transformer.inverse_transform(encoded.matrix, np.random.default_rng(1))

    assert list(decoded) == graded.keys
    assert np.array_equal(decoded["level"], graded["level"].values)
    rate = graded["rate"]
    error = np.abs(decoded["rate"] - rate.values)
    assert error.max() <= FLOAT32_TOLERANCE * (rate.upper - rate.lower) * 10


def test_decoded_values_follow_the_generated_category(graded: PreparedTable) -> None:
    """Any network output decodes to rates at its grade's level.

    A random matrix stands for an untrained network: with the anchor its
    rates still sit at the levels of the grades it picks; without, the two
    columns come out unrelated.
    """
    real = eta_squared(graded["rate"].values, graded["grade"].values)
    shares = {}
    for threshold in (0.9, None):
        transformer = TableTransformer(anchor_threshold=threshold)
        encoded = transformer.fit_transform(graded, np.random.default_rng(0))
        noise = np.random.default_rng(2).uniform(-1.0, 1.0, encoded.matrix.shape)
        decoded = transformer.inverse_transform(noise, np.random.default_rng(3))
        shares[threshold] = eta_squared(decoded["rate"], decoded["grade"])
        if threshold is not None:
            levels = (decoded["grade"] % 7) * 3.0
            assert np.array_equal(decoded["level"], levels)
    assert real > 0.99
    assert shares[0.9] > 0.95
    assert shares[None] < 0.1


def test_rare_category_takes_the_shared_spread(graded: PreparedTable) -> None:
    transformer = TableTransformer().fit(graded, np.random.default_rng(0))
    arrays, state = transformer.get_state()
    index = graded.keys.index("rate")
    scales = arrays[f"columns.{index}.anchor_scales"]
    counts = np.bincount(graded["grade"].values, minlength=21)

    assert counts[19] < 10 <= counts[20]
    common = scales[counts >= 10]
    # A grade with a handful of rows does not get a spread estimated from
    # them (which could be 0 and pin its rates to a training value).
    assert common.min() < scales[19] < common.max()
    assert state["columns"][index]["anchor"] == "grade"


def test_anchored_state_round_trip(graded: PreparedTable) -> None:
    transformer = TableTransformer()
    encoded = transformer.fit_transform(graded, np.random.default_rng(0))
    arrays, state = transformer.get_state()
    restored = TableTransformer.from_state(
        {name: array.copy() for name, array in arrays.items()},
        json.loads(json.dumps(state)),
    )

    assert restored.anchors == transformer.anchors
    noise = np.random.default_rng(4).uniform(-1.0, 1.0, encoded.matrix.shape)
    before = transformer.inverse_transform(noise, np.random.default_rng(5))
    after = restored.inverse_transform(noise, np.random.default_rng(5))
    for key in graded.keys:
        assert np.array_equal(before[key], after[key]), key


@pytest.mark.parametrize("threshold", [0.0, -0.5, 1.5])
def test_anchor_threshold_out_of_range_is_rejected(threshold: float) -> None:
    with pytest.raises(InvalidConfigError, match="anchor_threshold"):
        TableTransformer(anchor_threshold=threshold)


def test_anchors_look_past_the_stand_ins_of_missing_values() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    grade = rng.integers(0, 6, n)
    rate = 5.0 + 3.0 * grade + rng.normal(0.0, 0.1, n)
    years = (grade + 1).astype(np.float64)
    rate[rng.random(n) < 0.15] = np.nan
    years[rng.random(n) < 0.15] = np.nan
    frame = pd.DataFrame({"grade": grade.astype(str), "rate": rate, "years": years})
    preparer = TablePreparer(TableMetadata.infer(frame, ["grade"]))
    prepared = preparer.fit_transform(frame, np.random.default_rng(0))
    transformer = TableTransformer().fit(prepared, np.random.default_rng(0))

    # Missing cells are filled with random draws before encoding; judged
    # with them, neither number looked set by the grade.
    assert transformer.anchors == {"rate": "grade", "years": "grade"}
    assert transformer.derived == ["years"]


@pytest.mark.parametrize("dtype", ["str", "string", "string[pyarrow]", object])
def test_text_columns_restore_with_their_dtype_and_missing_cells(dtype: str) -> None:
    values = ["north", "south", None, "east", "south", None, "north", "west"] * 25
    frame = pd.DataFrame({"region": pd.Series(values, dtype=dtype)})
    preparer = TablePreparer(TableMetadata.infer(frame, ["region"]))
    prepared = preparer.fit_transform(frame, np.random.default_rng(0))
    codes = {column.key: column.values for column in prepared.columns}
    restored = preparer.inverse_transform(codes, len(frame), np.random.default_rng(1))
    pd.testing.assert_series_equal(restored["region"], frame["region"])


def test_threaded_restore_gives_the_frame_restored_in_turn(monkeypatch) -> None:
    # Large frames restore their columns on several threads; identifiers
    # still draw from the stream in column order, so nothing changes.
    import genesis.data._prepare as prepare_module

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)

    rng = np.random.default_rng(7)
    rows = 12_000
    frame = pd.DataFrame(
        {
            "order_id": [
                str(uuid.UUID(int=int(v))) for v in rng.integers(0, 2**63, rows)
            ],
            "city": pd.array(
                rng.choice(["Oslo", "Lima", "Pune"], rows), dtype="string"
            ),
            "size": pd.Categorical(rng.choice(["S", "M", "L"], rows)),
            "price": np.round(rng.gamma(2.0, 10.0, rows), 2),
            "count": rng.integers(0, 9, rows),
        }
    )
    preparer = TablePreparer(TableMetadata.infer(frame, ["city", "size"]))
    prepared = preparer.fit_transform(frame, np.random.default_rng(0))
    assert preparer.metadata["order_id"].column_type == ColumnType.IDENTIFIER
    arrays = {column.key: column.values for column in prepared.columns}
    assert rows >= prepare_module._THREADED_RESTORE_ROWS
    threaded = preparer.inverse_transform(arrays, rows, np.random.default_rng(3))
    monkeypatch.setattr(prepare_module, "_THREADED_RESTORE_ROWS", rows + 1)
    in_turn = preparer.inverse_transform(arrays, rows, np.random.default_rng(3))
    pd.testing.assert_frame_equal(threaded, in_turn)
    assert list(threaded.columns) == list(frame.columns)
    assert threaded["order_id"].is_unique
