"""Per-span maths of the JAX backend agrees with one softmax per span.

The layout computes every span at once with products of membership rows;
these tests hold it to the plain per-span softmax and log-sum-exp, their
gradients, and spans whose logits sit far apart (where a shift shared by
all spans would underflow one of them).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402

from genesis.data import ColumnSpan, SpanKind  # noqa: E402
from genesis_jax._common import (  # noqa: E402
    GUMBEL_TAU,
    ConditionedDense,
    SpanLayout,
    _summed_rows,
)

SPANS = [
    ColumnSpan("age", SpanKind.CONTINUOUS_SCALAR, 0, 1),
    ColumnSpan("age", SpanKind.MODE_ONE_HOT, 1, 4),
    ColumnSpan("city", SpanKind.CATEGORY_ONE_HOT, 4, 9),
    ColumnSpan("income", SpanKind.CONTINUOUS_SCALAR, 9, 10),
    ColumnSpan("income", SpanKind.MODE_ONE_HOT, 10, 12),
    ColumnSpan("member", SpanKind.CATEGORY_ONE_HOT, 12, 14),
]
LAYOUT = SpanLayout.from_spans(SPANS)


def _raw(seed: int = 0) -> jax.Array:
    values = np.random.default_rng(seed).normal(size=(6, LAYOUT.width)) * 3
    # Spans far apart: the city logits sit 400 above the member logits.
    values[:, 4:9] += 400.0
    return jnp.asarray(values, jnp.float32)


def _one_hot_spans(kinds: tuple[SpanKind, ...]) -> list[tuple[int, int]]:
    return [(s.start, s.stop) for s in SPANS if s.kind in kinds]


def _plain_activate(raw: jax.Array, noise: jax.Array) -> jax.Array:
    logits = (raw + noise) / GUMBEL_TAU
    parts = [
        jnp.tanh(raw[:, s.start : s.stop])
        if s.kind == SpanKind.CONTINUOUS_SCALAR
        else jax.nn.softmax(logits[:, s.start : s.stop], axis=1)
        for s in SPANS
    ]
    return jnp.concatenate(parts, axis=1)


def test_gumbel_activation_is_a_softmax_per_span() -> None:
    raw, key = _raw(), jax.random.key(3)
    noise = jax.random.gumbel(key, raw.shape, raw.dtype)
    weights = jnp.asarray(np.random.default_rng(1).normal(size=raw.shape), jnp.float32)

    got = LAYOUT.gumbel_activate(raw, key)
    expected = _plain_activate(raw, noise)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # Every one-hot span sums to one, the far-apart ones included.
    for start, stop in _one_hot_spans(
        (SpanKind.MODE_ONE_HOT, SpanKind.CATEGORY_ONE_HOT)
    ):
        np.testing.assert_allclose(got[:, start:stop].sum(axis=1), 1.0, rtol=1e-5)

    grad = jax.grad(lambda r: (LAYOUT.gumbel_activate(r, key) * weights).sum())(raw)
    grad_expected = jax.grad(lambda r: (_plain_activate(r, noise) * weights).sum())(raw)
    assert np.isfinite(np.asarray(grad)).all()
    assert np.abs(np.asarray(grad_expected)).max() > 0
    np.testing.assert_allclose(grad, grad_expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("which", ["one_hot", "category"])
def test_logsumexp_is_taken_per_span(which: str) -> None:
    raw = _raw(seed=2)
    if which == "one_hot":
        kinds = (SpanKind.MODE_ONE_HOT, SpanKind.CATEGORY_ONE_HOT)
        function = LAYOUT.one_hot_logsumexp
    else:
        kinds = (SpanKind.CATEGORY_ONE_HOT,)
        function = LAYOUT.category_logsumexp
    spans = _one_hot_spans(kinds)

    def plain(r: jax.Array) -> jax.Array:
        return jnp.stack(
            [jax.nn.logsumexp(r[:, start:stop], axis=1) for start, stop in spans], 1
        )

    np.testing.assert_allclose(function(raw), plain(raw), rtol=1e-6)
    weights = jnp.arange(1.0, len(spans) + 1.0)
    np.testing.assert_allclose(
        jax.grad(lambda r: (function(r) * weights).sum())(raw),
        jax.grad(lambda r: (plain(r) * weights).sum())(raw),
        rtol=1e-5,
        atol=1e-6,
    )


def test_condition_rows_and_their_gradient_match_a_one_hot_product() -> None:
    layer = ConditionedDense(4, 7, 5, rng=np.random.default_rng(0))
    kernel = layer.cond_kernel[...]
    positions = jnp.asarray([[0, 3], [6, 6], [2, 5]], jnp.int32)
    weights = jnp.asarray(np.random.default_rng(1).normal(size=(3, 5)), jnp.float32)

    def product(k: jax.Array) -> jax.Array:
        return jax.nn.one_hot(positions, 7, dtype=k.dtype).sum(axis=1) @ k

    np.testing.assert_allclose(layer.condition(positions), product(kernel), rtol=1e-6)

    np.testing.assert_allclose(
        jax.grad(lambda k: (_summed_rows(k, positions) * weights).sum())(kernel),
        jax.grad(lambda k: (product(k) * weights).sum())(kernel),
        rtol=1e-6,
    )


def test_sample_activate_draws_every_span_from_its_softmax() -> None:
    rows = 100_000
    raw = jnp.tile(jnp.linspace(-2.0, 2.0, LAYOUT.width), (rows, 1))
    uniforms = np.random.default_rng(3).random((rows, 4), dtype=np.float32)
    activated, slots = LAYOUT.sample_activate(raw, jax.random.key(0), uniforms)
    _, again = LAYOUT.sample_activate(raw, jax.random.key(1), uniforms)
    # The uniforms alone set the slots: another key gives the same ones.
    np.testing.assert_array_equal(np.asarray(slots), np.asarray(again))
    slots = np.asarray(slots)
    assert slots.shape == (rows, 4)
    for number, (start, stop) in enumerate([(1, 4), (4, 9), (10, 12), (12, 14)]):
        shares = np.bincount(slots[:, number], minlength=stop - start) / rows
        expected = np.asarray(jax.nn.softmax(raw[0, start:stop]))
        np.testing.assert_allclose(shares, expected, atol=0.006)
    # tanh on the scalars, logits kept on the one-hot columns.
    scalars = LAYOUT.scalar_columns
    np.testing.assert_allclose(activated[0, scalars], np.tanh(raw[0, scalars]))
    np.testing.assert_array_equal(activated[0, 1:4], raw[0, 1:4])


def test_sample_activate_draws_from_the_key_without_uniforms() -> None:
    raw = jnp.tile(jnp.linspace(-2.0, 2.0, LAYOUT.width), (50_000, 1))
    _, slots = LAYOUT.sample_activate(raw, jax.random.key(0))
    shares = np.bincount(np.asarray(slots)[:, 1], minlength=5) / 50_000
    expected = np.asarray(jax.nn.softmax(raw[0, 4:9]))
    np.testing.assert_allclose(shares, expected, atol=0.008)


def test_sample_activate_handles_extreme_logits() -> None:
    raw = np.zeros((1_000, LAYOUT.width), dtype=np.float32)
    raw[:, 1:4] = [1e4, -1e4, 0.0]  # far beyond exp's range: no overflow
    raw[:, 4:9] = [-200.0, 300.0, 300.0, -1e30, 5.0]  # two equal top logits
    uniforms = np.random.default_rng(0).random((1_000, 4), dtype=np.float32)
    _, slots = LAYOUT.sample_activate(jnp.asarray(raw), jax.random.key(0), uniforms)
    slots = np.asarray(slots)
    assert (slots[:, 0] == 0).all()
    assert set(slots[:, 1].tolist()) == {1, 2}
