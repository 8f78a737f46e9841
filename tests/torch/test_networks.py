"""Saved weights mean what the docs say: a plain dense network reproduces ours.

A JAX backend loads these arrays into ordinary dense layers, so the torch
networks, which gather the weight columns of one-hot conditional vectors
instead of multiplying them, must compute exactly the dense formulas.
"""

from __future__ import annotations

import numpy as np
import torch

from genesis.data import ColumnSpan, SpanKind
from genesis_torch._common import (
    _FLOAT32_ROWS,
    SpanLayout,
    bfloat16_product,
    build_module,
    module_arrays,
)
from genesis_torch.ctgan import DiscriminatorNet, GeneratorNet
from genesis_torch.tvae import Decoder

NOISE, COND, WIDTH, PAC = 6, 5, 7, 3


def one_hot(slots: np.ndarray, width: int) -> np.ndarray:
    return np.eye(width, dtype=np.float32)[slots]


def test_generator_network_is_the_dense_residual_network() -> None:
    net = build_module(
        lambda: GeneratorNet(NOISE, COND, (8, 4), WIDTH),
        torch.device("cpu"),
        torch.Generator().manual_seed(0),
    )
    net.train()
    net(torch.randn(64, NOISE), torch.randint(0, COND, (64,)))  # move running stats
    net.eval()
    arrays = module_arrays(net, "generator")
    noise = np.random.default_rng(0).normal(size=(10, NOISE)).astype(np.float32)
    slots = np.random.default_rng(1).integers(0, COND, 10)

    rows = np.concatenate([noise, one_hot(slots, COND)], axis=1)
    for i in range(2):
        layer = f"generator.layers.{i}"
        pre = rows @ arrays[f"{layer}.linear.weight"].T + arrays[f"{layer}.linear.bias"]
        normed = (pre - arrays[f"{layer}.norm.mean"]) / np.sqrt(
            arrays[f"{layer}.norm.var"] + 1e-5
        )
        hidden = np.maximum(
            normed * arrays[f"{layer}.norm.scale"] + arrays[f"{layer}.norm.bias"], 0
        )
        # The conditional vector stays last: [h_i, ..., h_1, noise, cond].
        rows = np.concatenate([hidden, rows], axis=1)
    expected = (
        rows @ arrays["generator.output.weight"].T + arrays["generator.output.bias"]
    )

    with torch.no_grad():
        got = net(torch.from_numpy(noise), torch.from_numpy(slots)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_discriminator_input_is_packed_rows_then_their_conditions() -> None:
    net = build_module(
        lambda: DiscriminatorNet(WIDTH, COND, (8,), PAC),
        torch.device("cpu"),
        torch.Generator().manual_seed(0),
    )
    arrays = module_arrays(net, "discriminator")
    rows = np.random.default_rng(0).normal(size=(2 * PAC, WIDTH)).astype(np.float32)
    slots = np.random.default_rng(1).integers(0, COND, 2 * PAC)

    packed = np.concatenate(
        [rows.reshape(2, PAC * WIDTH), one_hot(slots, COND).reshape(2, PAC * COND)],
        axis=1,
    )
    expected = (
        packed @ arrays["discriminator.layers.0.weight"].T
        + arrays["discriminator.layers.0.bias"]
    )

    with torch.no_grad():
        first = net.layers[0](net.pack(torch.from_numpy(rows)))
        got = (first + net.condition(torch.from_numpy(slots))).numpy()
    assert arrays["discriminator.layers.0.weight"].shape == (8, PAC * (WIDTH + COND))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def eval_generator_net() -> GeneratorNet:
    """A small generator network whose batch-norm statistics have moved."""
    net = build_module(
        lambda: GeneratorNet(NOISE, COND, (8, 4), WIDTH),
        torch.device("cpu"),
        torch.Generator().manual_seed(0),
    )
    net(torch.randn(64, NOISE), torch.randint(0, COND, (64,)))
    return net.eval()


def test_generation_path_matches_the_eval_mode_network() -> None:
    net = eval_generator_net()
    noise = torch.randn(20, NOISE)
    for slots in (torch.randint(0, COND, (20,)), None):
        if slots is None:
            net = build_module(
                lambda: GeneratorNet(NOISE, 0, (8, 4), WIDTH),
                torch.device("cpu"),
                torch.Generator().manual_seed(0),
            ).eval()
        with torch.no_grad():
            expected = net(noise, slots)
        torch.testing.assert_close(net.sample(noise, slots), expected)


def on_bfloat16_grid(values: torch.Tensor) -> torch.Tensor:
    """True where a float32 value is exactly a bfloat16 number."""
    return values == values.to(torch.bfloat16).float()


def test_bfloat16_product_keeps_the_named_columns_in_float32() -> None:
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(300, 40, generator=generator)
    weight = torch.randn(12, 40, generator=generator)
    bias = torch.randn(12, generator=generator)
    exact_columns = torch.tensor([2, 7])
    rounded = inputs.to(torch.bfloat16)
    result = bfloat16_product(rounded, weight, bias, exact_columns)
    assert result.dtype == torch.float32
    # The named columns: float32 products of the (already bfloat16) inputs.
    expected = torch.addmm(bias, rounded.float(), weight.t())
    torch.testing.assert_close(result[:, exact_columns], expected[:, exact_columns])
    assert on_bfloat16_grid(result[:, exact_columns]).float().mean() < 0.2
    # The others carry bfloat16's rounding, and nothing worse.
    others = [c for c in range(12) if c not in (2, 7)]
    assert on_bfloat16_grid(result[:, others]).all()
    torch.testing.assert_close(
        result[:, others], expected[:, others], atol=0.1, rtol=0.02
    )
    hidden = bfloat16_product(rounded, weight, bias)
    assert hidden.dtype == torch.bfloat16


def test_bfloat16_product_takes_one_shift_per_row_across_row_slices() -> None:
    # More rows than one float32 slice, a shift per row (CTGAN's conditional
    # columns): the named columns match the float32 product on every row.
    generator = torch.Generator().manual_seed(2)
    rows = 3 * _FLOAT32_ROWS + 17
    rounded = torch.randn(rows, 40, generator=generator).to(torch.bfloat16)
    weight = torch.randn(12, 40, generator=generator)
    shift = torch.randn(rows, 12, generator=generator)
    exact_columns = torch.tensor([0, 5, 11])
    result = bfloat16_product(rounded, weight, shift, exact_columns)
    expected = shift + rounded.float() @ weight.t()
    torch.testing.assert_close(result[:, exact_columns], expected[:, exact_columns])


def test_bfloat16_generation_path_stays_close_to_float32() -> None:
    net = eval_generator_net()
    noise, slots = torch.randn(500, NOISE), torch.randint(0, COND, (500,))
    scalars = torch.tensor([0, WIDTH - 1])
    exact = net.sample(noise, slots)
    rounded = net.sample(noise, slots, scalars)
    assert rounded.dtype == torch.float32
    torch.testing.assert_close(rounded, exact, atol=0.05, rtol=0.05)
    # Continuous outputs are not put on bfloat16's 8-bit grid.
    assert on_bfloat16_grid(rounded[:, scalars]).float().mean() < 0.2


def test_bfloat16_decoder_path_stays_close_to_float32() -> None:
    decoder = build_module(
        lambda: Decoder(NOISE, (16, 16), WIDTH, 2),
        torch.device("cpu"),
        torch.Generator().manual_seed(0),
    )
    code = torch.randn(500, NOISE)
    scalars = torch.tensor([1, 3])
    exact = decoder.sample(code)
    with torch.no_grad():
        torch.testing.assert_close(exact, decoder(code))
    rounded = decoder.sample(code, scalars)
    torch.testing.assert_close(rounded, exact, atol=0.05, rtol=0.05)
    assert on_bfloat16_grid(rounded[:, scalars]).float().mean() < 0.2


# A scalar, a mode span of 3, a category span of 4 and one of a single slot.
SPANS = [
    ColumnSpan("x", SpanKind.CONTINUOUS_SCALAR, 0, 1),
    ColumnSpan("x", SpanKind.MODE_ONE_HOT, 1, 4),
    ColumnSpan("c", SpanKind.CATEGORY_ONE_HOT, 4, 8),
    ColumnSpan("d", SpanKind.CATEGORY_ONE_HOT, 8, 9),
]
LOGITS = [0.7, 1.0, -2.0, 0.5, 2.0, 0.0, -1.0, -4.0, 3.0]


def draw(raw: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    layout = SpanLayout.from_spans(SPANS, torch.device("cpu"))
    return layout.sample_activate(
        raw.clone(), torch.Generator(), np.random.default_rng(seed)
    )


def test_sample_activate_draws_each_span_from_its_softmax() -> None:
    rows = 200_000
    raw = torch.tensor(LOGITS).repeat(rows, 1)
    activated, slots = draw(raw, seed=2)
    assert slots.shape == (rows, 3) and slots.dtype == torch.int64
    for number, (start, stop) in enumerate([(1, 4), (4, 8), (8, 9)]):
        shares = torch.bincount(slots[:, number], minlength=stop - start) / rows
        expected = torch.softmax(torch.tensor(LOGITS[start:stop]).double(), dim=0)
        assert torch.allclose(shares.double(), expected, atol=0.004), number
    # tanh on the scalar; the one-hot columns keep their logits.
    assert torch.allclose(activated[:, 0], torch.tanh(torch.tensor(0.7)))
    assert torch.equal(activated[:, 1:], raw[:, 1:])


def test_sample_activate_repeats_for_one_seed_and_differs_for_another() -> None:
    raw = torch.tensor(LOGITS).repeat(1_000, 1)
    _, first = draw(raw, seed=5)
    _, again = draw(raw, seed=5)
    _, other = draw(raw, seed=6)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_sample_activate_handles_extreme_logits() -> None:
    # Logits far beyond exp's float32 range: no overflow, the huge one wins;
    # a slot whose weight underflows to zero is never drawn.
    raw = torch.tensor([[0.0, 1e4, -1e4, 0.0, -200.0, 300.0, 300.0, -1e30, 5.0]])
    _, slots = draw(raw.repeat(10_000, 1), seed=0)
    assert (slots[:, 0] == 0).all()
    assert set(slots[:, 1].tolist()) == {1, 2}  # the two equal top logits
    assert (slots[:, 2] == 0).all()
