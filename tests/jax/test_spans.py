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
from genesis.training import random_int32  # noqa: E402
from genesis_jax._common import (  # noqa: E402
    GUMBEL_TAU,
    ConditionedDense,
    SpanLayout,
    _summed_rows,
    gumbel_from_bits,
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


def test_gumbel_from_bits_is_finite_and_ordered_for_every_bit_pattern() -> None:
    prefixes = np.arange(2**23, dtype=np.int64)
    bits = ((prefixes << 9) - 2**31).astype(np.int32)
    noise = np.asarray(jax.jit(gumbel_from_bits)(bits), dtype=np.float64)
    assert np.isfinite(noise).all()
    assert (np.diff(noise) >= 0).all()
    low, high = 2.0**-24, 1 - 2.0**-24
    assert noise[0] == pytest.approx(-np.log(-np.log(low)), abs=1e-4)
    assert noise[-1] == pytest.approx(-np.log(-np.log(high)), rel=1e-3)
    assert noise[2**22] == pytest.approx(-np.log(np.log(2.0)), abs=1e-5)


def test_sampling_with_bits_draws_from_the_softmax_of_each_span() -> None:
    rows = 100_000
    raw = jnp.tile(jnp.linspace(-2.0, 2.0, LAYOUT.width), (rows, 1))
    bits = random_int32(np.random.default_rng(3), (rows, LAYOUT.width))
    noisy = np.asarray(LAYOUT.sample_activate(raw, jax.random.key(0), bits))
    again = LAYOUT.sample_activate(raw, jax.random.key(1), bits)
    # The bits alone set the noise: another key gives the same rows.
    np.testing.assert_array_equal(noisy, np.asarray(again))
    start, stop = 4, 9  # the city span
    picks = np.argmax(noisy[:, start:stop], axis=1)
    shares = np.bincount(picks, minlength=stop - start) / rows
    expected = np.asarray(jax.nn.softmax(raw[0, start:stop]))
    np.testing.assert_allclose(shares, expected, atol=0.006)
