"""CTGAN on PyTorch: a conditional Wasserstein GAN for tables.

The method of Xu et al., "Modeling Tabular Data using Conditional GAN"
(NeurIPS 2019): a residual generator network, a PacGAN discriminator network
with a gradient penalty, Gumbel-softmax outputs on one-hot spans, and
training-by-sampling with a conditional vector plus a cross-entropy loss that
makes the generator network honour it.

Weight names (see :mod:`genesis_torch._common` for the scheme):
``generator.layers.<i>.linear``, ``generator.layers.<i>.norm``,
``generator.output``, ``discriminator.layers.<i>``, ``discriminator.output``.
The generator network's input is the noise followed by the conditional
vector; the discriminator network's is ``pac`` encoded rows one after the
other, then their ``pac`` conditional vectors.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from genesis import training
from genesis._config import ConfigSpec
from genesis.data import ConditionalSampler, EncodedTable, PreparedTable
from genesis.protocols import ProgressCallback
from genesis.recipes.ctgan import (
    ADAM_BETAS,
    DROPOUT,
    LEAKY_SLOPE,
    LOSS_NAMES,
    PENALTY_WEIGHT,
)
from genesis.table_model import ConditionalTableModel, DrawnRows, MatrixSource
from genesis.training import BatchThreads, Condition, FrequencySampler
from genesis_torch import _fitting
from genesis_torch._common import (
    ConditionedLinear,
    SpanLayout,
    bfloat16_product,
    build_module,
    load_module_arrays,
    module_arrays,
    resolve_device,
    seeded_generator,
)

__all__ = [
    "CTGANGenerator",
    "DiscriminatorNet",
    "GeneratorNet",
    "discriminator_step",
    "generate_batch",
    "generator_step",
    "train_epoch",
]

logger = logging.getLogger(__name__)

STATE_VERSION = 1


# The keys and defaults are the core's, shared with the jax backend.
CONFIG_SPEC: ConfigSpec = training.CTGAN_CONFIG_SPEC


# -- networks -------------------------------------------------------------------


class Residual(nn.Module):
    """Linear, batch norm and ReLU, with the input appended to the output.

    The input is the dense part of the row; the conditional vector that
    follows it is passed as ``slots`` (see :class:`ConditionedLinear`).
    """

    def __init__(self, dense_features: int, cond_width: int, out_features: int) -> None:
        super().__init__()
        self.linear = ConditionedLinear(dense_features, cond_width, out_features)
        self.norm = nn.BatchNorm1d(out_features)

    def forward(self, dense: torch.Tensor, slots: torch.Tensor | None) -> torch.Tensor:
        hidden = torch.relu(self.norm(self.linear(dense, slots)))
        return torch.cat([hidden, dense], dim=1)


class GeneratorNet(nn.Module):
    """Noise and conditional vector in, raw (pre-activation) encoded row out.

    The weights are those of a network whose input is
    ``cat([noise, cond])`` and whose residual layers append their input
    (``[h_k, ..., h_1, noise, cond]``); the conditional vector is given as
    the position of its 1 (``slots``), or None when the table has no
    discrete column.
    """

    def __init__(
        self, noise_dim: int, cond_width: int, hidden: Sequence[int], output_dim: int
    ) -> None:
        super().__init__()
        layers = []
        width = noise_dim
        for size in hidden:
            layers.append(Residual(width, cond_width, size))
            width += size
        self.layers = nn.ModuleList(layers)
        self.output = ConditionedLinear(width, cond_width, output_dim)

    def forward(self, noise: torch.Tensor, slots: torch.Tensor | None) -> torch.Tensor:
        dense = noise
        for layer in self.layers:
            dense = layer(dense, slots)
        return self.output(dense, slots)

    @torch.inference_mode()
    def sample(
        self,
        noise: torch.Tensor,
        slots: torch.Tensor | None,
        float32_columns: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """:meth:`forward` in eval mode for generation, with fewer passes.

        Batch normalisation with running statistics is an affine map, so it
        is folded into the weights of the layer before it. The residual
        layers' outputs are written side by side into one buffer laid out as
        ``[h_k, ..., h_1, noise]``, so each layer reads its input as a view
        instead of concatenating a new copy.

        Args:
            noise: ``(n, noise_dim)`` float32.
            slots: Conditional-vector positions, as in :meth:`forward`.
            float32_columns: None for float32 products throughout; otherwise
                the products take bfloat16 operands (see
                :func:`~genesis_torch._common.bfloat16_product`) except for
                these output columns.
        """
        dtype = torch.float32 if float32_columns is None else torch.bfloat16
        widths = [layer.linear.out_features for layer in self.layers]
        total = noise.shape[1] + sum(widths)
        buffer = noise.new_empty(noise.shape[0], total, dtype=dtype)
        start = total - noise.shape[1]
        buffer[:, start:] = noise
        for layer, width in zip(self.layers, widths, strict=True):
            dense_weight, cond_weight, bias = _fold_batch_norm(layer)
            dense = buffer[:, start:]
            # Plain indexing gathers rows faster than embedding when no
            # gradient is needed; in bfloat16 it gathers half the bytes.
            shift = bias.to(dtype)
            if slots is not None:
                shift = (cond_weight + bias).to(dtype)[slots]
            if float32_columns is None:
                hidden = torch.addmm(shift, dense, dense_weight.t())
            else:
                hidden = bfloat16_product(dense, dense_weight, shift)
            torch.clamp_min(hidden, 0.0, out=buffer[:, start - width : start])
            start -= width
        if float32_columns is None:
            return self.output(buffer, slots)
        output = self.output
        shift = output.bias
        if slots is not None:
            shift = (output.cond_weight + output.bias)[slots]
        return bfloat16_product(buffer, output.dense_weight, shift, float32_columns)


def _fold_batch_norm(
    layer: Residual,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The residual layer's linear map with its eval-mode batch norm folded in."""
    norm, linear = layer.norm, layer.linear
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    bias = (linear.bias - norm.running_mean) * scale + norm.bias
    return linear.dense_weight * scale[:, None], linear.cond_weight * scale, bias


class DiscriminatorNet(nn.Module):
    """Scores packs of ``pac`` rows; higher means more like real data.

    A pack's input is its ``pac`` encoded rows one after the other, then
    their ``pac`` conditional vectors. The conditional vectors enter the
    first layer as gathered weight columns (see :meth:`condition`), so
    :meth:`forward` takes the packed rows and that term separately.
    Dropout masks are drawn from the generator passed to :meth:`forward`, so
    training stays reproducible without torch's global generator.
    """

    def __init__(
        self, data_dim: int, cond_width: int, hidden: Sequence[int], pac: int
    ) -> None:
        super().__init__()
        self.pac = pac
        self.data_dim = data_dim
        self.cond_width = cond_width
        widths = [*hidden, 1]
        self.layers = nn.ModuleList(
            [ConditionedLinear(data_dim * pac, cond_width * pac, widths[0])]
            + [nn.Linear(a, b) for a, b in itertools.pairwise(widths[:-1])]
        )
        self.output = nn.Linear(widths[-2], 1) if hidden else None

    def condition(self, slots: torch.Tensor | None) -> torch.Tensor | None:
        """The first layer's product with each pack's conditional vectors.

        Args:
            slots: ``(batch,)`` position of the 1 in each row's conditional
                vector, or None when the table has no discrete column.

        Returns:
            ``(batch / pac, first layer width)``, or None.
        """
        if slots is None:
            return None
        offsets = torch.arange(self.pac, device=slots.device) * self.cond_width
        return self.layers[0].condition(slots.reshape(-1, self.pac) + offsets)

    def forward(
        self,
        packed: torch.Tensor,
        condition: torch.Tensor | None,
        generator: torch.Generator,
    ) -> torch.Tensor:
        """Scores of ``(packs, pac * data_dim)`` rows with their condition term."""
        hidden = self.layers[0](packed)
        if condition is not None:
            hidden = hidden + condition
        for layer in [*self.layers[1:], self.output]:
            if layer is None:
                break
            hidden = nn.functional.leaky_relu(hidden, LEAKY_SLOPE)
            hidden = layer(_dropout(hidden, generator))
        return hidden

    def pack(self, rows: torch.Tensor) -> torch.Tensor:
        """``(batch, data_dim)`` rows as ``(batch / pac, pac * data_dim)`` packs."""
        return rows.reshape(-1, self.pac * self.data_dim)


def _dropout(hidden: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    keep = 1.0 - DROPOUT
    # rand-and-compare is several times faster than bernoulli_ on CPU.
    mask = torch.rand(
        hidden.shape, generator=generator, device=hidden.device, dtype=hidden.dtype
    )
    return hidden * mask.lt_(keep).mul_(1.0 / keep)


@dataclass
class CTGANModel:
    """The networks and optimizers of one CTGAN fit."""

    generator: GeneratorNet
    discriminator: DiscriminatorNet
    generator_optimizer: _fitting.FlatAdam | torch.optim.Optimizer
    discriminator_optimizer: _fitting.FlatAdam | torch.optim.Optimizer
    layout: SpanLayout
    embedding_dim: int


def build_model(
    config: Mapping[str, Any],
    layout: SpanLayout,
    cond_width: int,
    device: torch.device,
    generator: torch.Generator,
) -> CTGANModel:
    """Networks initialised from ``generator``, with their Adam optimizers."""
    generator_net = build_module(
        lambda: GeneratorNet(
            config["embedding_dim"], cond_width, config["generator_dim"], layout.width
        ),
        device,
        generator,
    )
    discriminator_net = build_module(
        lambda: DiscriminatorNet(
            layout.width, cond_width, config["discriminator_dim"], config["pac"]
        ),
        device,
        generator,
    )
    return CTGANModel(
        generator=generator_net,
        discriminator=discriminator_net,
        generator_optimizer=_fitting.adam(
            generator_net, config["generator_lr"], config["generator_decay"], ADAM_BETAS
        ),
        discriminator_optimizer=_fitting.adam(
            discriminator_net,
            config["discriminator_lr"],
            config["discriminator_decay"],
            ADAM_BETAS,
        ),
        layout=layout,
        embedding_dim=config["embedding_dim"],
    )


# -- training ---------------------------------------------------------------------


@dataclass
class EpochBatches:
    """Everything random about one epoch's data, drawn up front in one call.

    The real rows are gathered from the encoded matrix one step at a time
    (:meth:`at`), so an epoch holds row numbers, not a copy of the table per
    discriminator step.

    Attributes:
        data: The encoded training matrix.
        rows: Row of ``data`` for each real row, ``(steps,
            discriminator_steps, batch)``.
        slots: Position of the 1 in each row's conditional vector, same
            shape, or None when the table has no discrete column. Real and
            fake rows of a step share their conditional vectors.
        chosen: Which category span each conditional vector picks (its
            position among the CATEGORY_ONE_HOT spans), or None.
        target: The encoded column of the picked category, or None.
    """

    data: torch.Tensor
    rows: torch.Tensor
    slots: torch.Tensor | None
    chosen: torch.Tensor | None
    target: torch.Tensor | None

    @property
    def steps(self) -> int:
        return int(self.rows.shape[0])

    @property
    def discriminator_steps(self) -> int:
        return int(self.rows.shape[1])

    def head(self, steps: int) -> EpochBatches:
        def cut(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t[:steps]

        return EpochBatches(
            self.data,
            self.rows[:steps],
            cut(self.slots),
            cut(self.chosen),
            cut(self.target),
        )

    def at(
        self, step: int, inner: int
    ) -> tuple[
        torch.Tensor, torch.Tensor | None, torch.Tensor | None, torch.Tensor | None
    ]:
        def pick(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t[step, inner]

        return (
            self.data.index_select(0, self.rows[step, inner]),
            pick(self.slots),
            pick(self.chosen),
            pick(self.target),
        )


def sample_epoch(
    data: torch.Tensor,
    sampler: ConditionalSampler | FrequencySampler,
    category_spans: Sequence[tuple[int, int]],
    shape: tuple[int, int, int],
    rng: np.random.Generator,
) -> EpochBatches:
    """Draw one epoch's conditional vectors and real rows' numbers in one call.

    Args:
        data: The encoded training matrix.
        sampler: The fitted training-by-sampling statistics.
        category_spans: ``(start in cond vector, start in encoded matrix)``
            of each discrete column, in the sampler's order.
        shape: ``(steps, discriminator_steps, batch)``.
        rng: Source of randomness.
    """
    drawn = training.draw_epoch(sampler, category_spans, math.prod(shape), rng)

    def shaped(values: np.ndarray | None) -> torch.Tensor | None:
        if values is None:
            return None
        return torch.as_tensor(values.reshape(shape), device=data.device)

    rows = torch.as_tensor(drawn.rows.reshape(shape), device=data.device)
    return EpochBatches(
        data, rows, shaped(drawn.slots), shaped(drawn.chosen), shaped(drawn.target)
    )


def gradient_penalty(
    discriminator: DiscriminatorNet,
    real: torch.Tensor,
    fake: torch.Tensor,
    condition: torch.Tensor | None,
    generator: torch.Generator,
) -> torch.Tensor:
    """WGAN-GP: ``(|grad D(mix)| - 1)^2`` on random mixes of real and fake packs.

    Real and fake packs share their conditional vectors, so a mix has them
    too; the gradient is taken with respect to the mixed rows, the
    conditional vectors being a fixed input of the discriminator network.
    """
    alpha = torch.rand(
        real.shape[0], 1, generator=generator, device=real.device, dtype=real.dtype
    )
    mixed = torch.lerp(fake, real, alpha).requires_grad_(True)
    score = discriminator(mixed, condition, generator)
    (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return PENALTY_WEIGHT * ((grad.norm(dim=1) - 1.0) ** 2).mean()


def discriminator_step(
    model: CTGANModel,
    real: torch.Tensor,
    fake: torch.Tensor,
    slots: torch.Tensor | None,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One discriminator update on packed real and fake rows.

    Args:
        model: The networks.
        real, fake: ``(batch / pac, pac * width)`` packs.
        slots: ``(batch,)`` conditional vector positions, shared by the real
            and the fake rows, or None.
        generator: Source of mixing weights and dropout masks.

    Returns:
        The Wasserstein gap (fake score minus real score) and the gradient
        penalty, detached.
    """
    net = model.discriminator
    condition = net.condition(slots)
    both = None if condition is None else condition.repeat(2, 1)
    scores = net(torch.cat([real, fake]), both, generator)
    real_score, fake_score = scores.split(real.shape[0])
    gap = fake_score.mean() - real_score.mean()
    penalty = gradient_penalty(net, real, fake, condition, generator)
    model.discriminator_optimizer.zero_grad(set_to_none=True)
    (gap + penalty).backward()
    model.discriminator_optimizer.step()
    return gap.detach(), penalty.detach()


def conditional_loss(
    raw: torch.Tensor, layout: SpanLayout, chosen: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy of each row's chosen category span against its condition."""
    extended = nn.functional.pad(raw, (0, 1), value=float("-inf"))
    logits = extended.gather(1, layout.category_index[chosen])
    wanted = raw.gather(1, target.unsqueeze(1)).squeeze(1)
    return (torch.logsumexp(logits, dim=1) - wanted).mean()


def generator_step(
    model: CTGANModel,
    fake: torch.Tensor,
    raw: torch.Tensor,
    slots: torch.Tensor | None,
    chosen: torch.Tensor | None,
    target: torch.Tensor | None,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One generator-network update.

    Args:
        model: The networks.
        fake: Activated generator output, ``(batch, width)``, still attached
            to the graph.
        raw: The generator network's raw output for the same rows.
        slots, chosen, target: The conditions, as in :class:`EpochBatches`.
        generator: Source of dropout masks.

    Returns:
        The adversarial loss and the conditional loss, detached.
    """
    net = model.discriminator
    score = net(net.pack(fake), net.condition(slots), generator)
    adversarial = -score.mean()
    if chosen is None or target is None:
        conditional = raw.new_zeros(())
    else:
        conditional = conditional_loss(raw, model.layout, chosen, target)
    model.generator_optimizer.zero_grad(set_to_none=True)
    parameters = list(model.generator.parameters())
    (adversarial + conditional).backward(inputs=parameters)
    model.generator_optimizer.step()
    return adversarial.detach(), conditional.detach()


def _fake_rows(
    model: CTGANModel, slots: torch.Tensor | None, n: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Raw and activated generator-network output for ``n`` rows."""
    device = model.layout.scalar_mask.device
    noise = torch.randn(
        n, model.embedding_dim, generator=generator, device=device, dtype=torch.float32
    )
    raw = model.generator(noise, slots)
    return raw, model.layout.gumbel_activate(raw, generator)


def train_epoch(
    model: CTGANModel, batches: EpochBatches, generator: torch.Generator
) -> dict[str, float]:
    """Run one epoch of steps and return the mean of each loss.

    Each step makes ``discriminator_steps`` discriminator updates, then one
    generator-network update on the fake rows of the last of them (the
    generator network has not changed since it made them).
    """
    pack = model.discriminator.pack
    totals = batches.data.new_zeros(len(LOSS_NAMES))
    last = batches.discriminator_steps - 1
    for step in range(batches.steps):
        for inner in range(last + 1):
            real, slots, chosen, target = batches.at(step, inner)
            with torch.set_grad_enabled(inner == last):
                raw, fake = _fake_rows(model, slots, real.shape[0], generator)
            gap, penalty = discriminator_step(
                model, pack(real), pack(fake.detach()), slots, generator
            )
        adversarial, conditional = generator_step(
            model, fake, raw, slots, chosen, target, generator
        )
        totals += torch.stack(
            [adversarial + conditional, gap + penalty, conditional, penalty]
        )
    means = (totals / batches.steps).tolist()
    return dict(zip(LOSS_NAMES, means, strict=True))


@torch.inference_mode()
def generate_batch(
    model: CTGANModel,
    n: int,
    slots: torch.Tensor | None,
    generator: torch.Generator,
    rng: np.random.Generator,
    bfloat16: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` rows ready for decoding: activated scalars and drawn span slots.

    Args:
        model: The networks; the generator network must be in eval mode, so
            that batch normalisation uses its running statistics and a row
            does not depend on its batch.
        n: Rows.
        slots: ``(n,)`` position of each row's condition in the conditional
            vector, or None when the table has no discrete column.
        generator: Source of the generator network's input noise.
        rng: Source of the uniforms that draw each one-hot span's slot (see
            :meth:`~genesis_torch._common.SpanLayout.sample_activate`).
        bfloat16: Multiply in bfloat16, except for the continuous values
            (see :func:`genesis.training.samples_in_bfloat16`).

    Returns:
        The ``(n, width)`` matrix, whose one-hot columns hold raw logits,
        and the ``(n, n_one_hot)`` slot drawn in each one-hot span.
    """
    layout = model.layout
    device = layout.scalar_mask.device
    noise = torch.randn(
        n, model.embedding_dim, generator=generator, device=device, dtype=torch.float32
    )
    exact = layout.scalar_columns if bfloat16 else None
    with _fitting.no_autocast(device):
        raw = model.generator.sample(noise, slots, exact)
        return layout.sample_activate(raw, generator, rng)


# -- the generator --------------------------------------------------------------------


class CTGANGenerator(ConditionalTableModel):
    """CTGAN on PyTorch, registered as method ``"ctgan"``, backend ``"torch"``.

    Args:
        config: Config keys of :data:`CONFIG_SPEC`; missing keys take their
            defaults.
        seed: Makes fit and generate reproducible on one device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (None): a GPU when torch
            sees one.

    Raises:
        InvalidConfigError: A key is unknown or out of range, or batch_size
            is not a multiple of pac.

    Attributes:
        loss_history_: One dict of mean losses per finished epoch.
        interrupted_: True when Ctrl-C stopped the fit early.
        mixed_precision_: True when training computed its matrix products
            from reduced-precision inputs, bfloat16 on a CPU and TF32 on
            CUDA (config key ``training_precision``; by default on CUDA and
            on CPUs with AMX, see
            :func:`genesis_torch._fitting.mixed_precision`). Generation
            follows ``sampling_precision``.
        batch_size_: The batch size used: batch_size, or about an eighth of
            the rows for a table smaller than eight batches, in whole packs
            and never under two rows (batch normalisation needs two).
        threads_: CPU threads the fit ran on: torch's setting, or without a
            seed the faster of that and one thread in a trial step (see
            :func:`genesis_torch._fitting.time_trial_steps`).
    """

    method: ClassVar[str] = "ctgan"
    backend: ClassVar[str] = "torch"
    config_spec: ClassVar[ConfigSpec] = CONFIG_SPEC
    state_version: ClassVar[int] = STATE_VERSION
    title: ClassVar[str] = "CTGAN"
    mixed_precision_: bool = False

    def _resolve_device(self, device: str | None) -> torch.device:
        return resolve_device(device)

    # -- fit --------------------------------------------------------------------

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None = None
    ) -> None:
        """Learn ``prepared``; Ctrl-C stops after the current step, model usable."""
        with _fitting.fit_modes(self.device):
            # A fit that fails leaves the generator unfitted, never half-replaced.
            self._model = None
            rng = np.random.default_rng(self.seed)
            torch_generator = seeded_generator(rng, self.device)
            encoded, sampler, cond_starts = self._encode(prepared, rng)
            self.batch_size_ = training.fit_batch_size(
                self.config["batch_size"],
                prepared.n_rows,
                self.config["pac"],
                smallest=training.CTGAN_MIN_BATCH,
            )
            layout = SpanLayout.from_spans(encoded.spans, self.device)
            model = build_model(
                self.config,
                layout,
                self.conditions_.width,
                self.device,
                torch_generator,
            )
            data = torch.as_tensor(encoded.matrix, device=self.device)
            shape = (
                max(prepared.n_rows // self.batch_size_, 1),
                self.config["discriminator_steps"],
                self.batch_size_,
            )

            def next_batches() -> EpochBatches:
                return sample_epoch(data, sampler, cond_starts, shape, rng)

            self._log_cost(model, encoded, data, next_batches)
            self._model = model
            _fitting.train(
                self,
                lambda: train_epoch(model, next_batches(), torch_generator),
                progress,
                logger,
            )
            model.generator.eval()

    def _log_cost(
        self,
        model: CTGANModel,
        encoded: EncodedTable,
        data: torch.Tensor,
        next_batches: Callable[[], EpochBatches],
    ) -> None:
        """Time a trial step on a copy of the model and log what the fit costs."""
        batches = next_batches()
        trial = copy.deepcopy(model)
        trial_generator = torch.Generator(device=self.device).manual_seed(0)
        _fitting.log_fit_cost(
            self,
            logger,
            encoded=encoded,
            modules=(model.generator, model.discriminator),
            tensors=(data, batches.rows),
            trial_step=lambda: train_epoch(trial, batches.head(1), trial_generator),
            steps=batches.steps,
            cond_width=self.conditions_.width,
        )

    # -- generate ------------------------------------------------------------------

    def _matrix_source(
        self, model: CTGANModel, conditions: list[Condition], rng: np.random.Generator
    ) -> MatrixSource:
        torch_generator = seeded_generator(rng, self.device)
        slots_for = self._condition_slots(conditions, rng)
        bfloat16 = _fitting.samples_in_bfloat16(self)

        def source(count: int) -> DrawnRows:
            slots = slots_for(count)
            if slots is not None:
                slots = torch.as_tensor(slots, device=self.device)
            matrix, picked = generate_batch(
                model, count, slots, torch_generator, rng, bfloat16
            )
            return DrawnRows(matrix.cpu().numpy(), picked.cpu().numpy())

        return source

    def _batch_threads(
        self,
    ) -> contextlib.AbstractContextManager[BatchThreads | None]:
        return _fitting.batch_threads(self.device)

    def decode_noise(
        self, noise: np.ndarray, slots: np.ndarray | None = None
    ) -> np.ndarray:
        """The eval-mode generator network's raw output for given input noise.

        Nothing random is drawn, so two generators holding the same weights
        (on either backend) give the same numbers for the same noise.

        Args:
            noise: ``(n, embedding_dim)`` noise.
            slots: ``(n,)`` position of the 1 of each row's conditional
                vector; required when the table has a discrete column.

        Returns:
            ``(n, encoded width)`` float32 raw (pre-activation) rows.

        Raises:
            NotFittedError: Called before fit.
        """
        model = self._fitted_model()
        dense = torch.as_tensor(noise, dtype=torch.float32, device=self.device)
        positions = None
        if self.conditions_.width:
            positions = torch.as_tensor(slots, dtype=torch.int64, device=self.device)
        with torch.inference_mode(), _fitting.no_autocast(self.device):
            raw = model.generator(dense, positions)
        return raw.float().cpu().numpy()

    # -- state ------------------------------------------------------------------------

    def _network_arrays(self, model: CTGANModel) -> dict[str, np.ndarray]:
        return {
            **module_arrays(model.generator, "generator"),
            **module_arrays(model.discriminator, "discriminator"),
        }

    def _restore_model(self, arrays: Mapping[str, np.ndarray]) -> CTGANModel:
        layout = SpanLayout.from_spans(self.transformer_.spans, self.device)
        placeholder = torch.Generator(device=self.device).manual_seed(0)
        model = build_model(
            self.config, layout, self.conditions_.width, self.device, placeholder
        )
        load_module_arrays(model.generator, arrays, "generator")
        load_module_arrays(model.discriminator, arrays, "discriminator")
        model.generator.eval()
        return model
