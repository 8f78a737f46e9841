"""CTGAN on JAX: a conditional Wasserstein GAN for tables, one compiled epoch.

The method of Xu et al., "Modeling Tabular Data using Conditional GAN"
(NeurIPS 2019), with the losses, config and saved weights of
:mod:`genesis_torch.ctgan`: a residual generator network, a PacGAN
discriminator network with a gradient penalty, Gumbel-softmax outputs on
one-hot spans, and training-by-sampling with a conditional vector plus a
cross-entropy loss that makes the generator network honour it.

A whole epoch is one compiled call: the host draws the epoch's conditional
vectors and real-row positions (numpy, the same draws as the torch
backend), and :func:`lax.scan` runs every step on the device.

Weight names (see :mod:`genesis_jax._common` for the scheme):
``generator.layers.<i>.linear``, ``generator.layers.<i>.norm``,
``generator.output``, ``discriminator.layers.<i>``, ``discriminator.output``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

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
from genesis_jax import _fitting
from genesis_jax._common import (
    BatchNorm,
    ConditionedDense,
    Dense,
    SpanLayout,
    host_draws,
    key_from_rng,
    load_module_arrays,
    module_arrays,
    parameter_count,
    precision_graph,
    resolve_device,
)

__all__ = [
    "CTGANGenerator",
    "DiscriminatorNet",
    "GeneratorNet",
    "generate_batch",
    "train_epoch",
]

logger = logging.getLogger(__name__)

# Generation compiles once per batch size; sizes are rounded up to a power of
# two from this one, so that any request reuses a few compiled sizes.
_SMALLEST_GENERATE_BATCH = 256
STATE_VERSION = 1


# The keys and defaults are the core's, shared with the torch backend.
CONFIG_SPEC: ConfigSpec = training.CTGAN_CONFIG_SPEC


# -- networks -------------------------------------------------------------------


class Residual(nnx.Module):
    """Dense, batch norm and ReLU, with the input appended to the output.

    The input is the dense part of the row; the conditional vector that
    follows it is passed as ``slots`` (see :class:`ConditionedDense`).
    """

    def __init__(
        self,
        dense_features: int,
        cond_width: int,
        out_features: int,
        *,
        rng: np.random.Generator,
    ) -> None:
        self.linear = ConditionedDense(
            dense_features, cond_width, out_features, rng=rng
        )
        self.norm = BatchNorm(out_features)

    def __call__(
        self, dense: jax.Array, slots: jax.Array | None, *, training: bool
    ) -> jax.Array:
        hidden = jax.nn.relu(self.norm(self.linear(dense, slots), training=training))
        return jnp.concatenate([hidden, dense], axis=1)


class GeneratorNet(nnx.Module):
    """Noise and conditional vector in, raw (pre-activation) encoded row out.

    The weights are those of a network whose input is
    ``concat([noise, cond])`` and whose residual layers append their input
    (``[h_k, ..., h_1, noise, cond]``); the conditional vector is given as
    the position of its 1 (``slots``), or None when the table has no
    discrete column.
    """

    def __init__(
        self,
        noise_dim: int,
        cond_width: int,
        hidden: Sequence[int],
        output_dim: int,
        *,
        rng: np.random.Generator,
    ) -> None:
        layers = []
        width = noise_dim
        for size in hidden:
            layers.append(Residual(width, cond_width, size, rng=rng))
            width += size
        self.layers = nnx.List(layers)
        self.output = ConditionedDense(width, cond_width, output_dim, rng=rng)

    def __call__(
        self, noise: jax.Array, slots: jax.Array | None, *, training: bool
    ) -> jax.Array:
        dense = noise
        for layer in self.layers:
            dense = layer(dense, slots, training=training)
        return self.output(dense, slots)


class DiscriminatorNet(nnx.Module):
    """Scores packs of ``pac`` rows; higher means more like real data.

    A pack's input is its ``pac`` encoded rows one after the other, then
    their ``pac`` conditional vectors. The conditional vectors enter the
    first layer as gathered kernel rows (see :meth:`condition`), so
    :meth:`__call__` takes the packed rows and that term separately.
    """

    def __init__(
        self,
        data_dim: int,
        cond_width: int,
        hidden: Sequence[int],
        pac: int,
        *,
        rng: np.random.Generator,
    ) -> None:
        self.pac = pac
        self.data_dim = data_dim
        self.cond_width = cond_width
        widths = [*hidden, 1]
        first = ConditionedDense(data_dim * pac, cond_width * pac, widths[0], rng=rng)
        rest = [Dense(a, b, rng=rng) for a, b in itertools.pairwise(widths[:-1])]
        self.layers = nnx.List([first, *rest])
        self.output = Dense(widths[-2], 1, rng=rng) if hidden else None

    def condition(self, slots: jax.Array | None) -> jax.Array | None:
        """``(batch / pac, first width)`` first-layer term of each pack's conditions."""
        if slots is None:
            return None
        offsets = jnp.arange(self.pac, dtype=slots.dtype) * self.cond_width
        return self.layers[0].condition(slots.reshape(-1, self.pac) + offsets)

    def __call__(
        self, packed: jax.Array, condition: jax.Array | None, key: jax.Array
    ) -> jax.Array:
        """Scores of ``(packs, pac * data_dim)`` rows with their condition term."""
        hidden = self.layers[0](packed)
        if condition is not None:
            hidden = hidden + condition
        later = [*list(self.layers)[1:], self.output]
        later = [layer for layer in later if layer is not None]
        for layer, layer_key in zip(
            later, jax.random.split(key, max(len(later), 1)), strict=False
        ):
            hidden = jax.nn.leaky_relu(hidden, LEAKY_SLOPE)
            hidden = layer(_dropout(hidden, layer_key))
        return hidden

    def pack(self, rows: jax.Array) -> jax.Array:
        """``(batch, data_dim)`` rows as ``(batch / pac, pac * data_dim)`` packs."""
        return rows.reshape(-1, self.pac * self.data_dim)


def _dropout(hidden: jax.Array, key: jax.Array) -> jax.Array:
    keep = 1.0 - DROPOUT
    # A float32 probability: a Python float would draw float64 uniforms, and
    # other masks, when jax_enable_x64 is on.
    mask = jax.random.bernoulli(key, jnp.float32(keep), hidden.shape)
    return jnp.where(mask, hidden * (1.0 / keep), 0.0)


@dataclass
class CTGANModel:
    """The networks of one CTGAN fit and what their maths needs to know."""

    generator: GeneratorNet
    discriminator: DiscriminatorNet
    layout: SpanLayout
    embedding_dim: int
    has_conditions: bool


def build_model(
    config: Mapping[str, Any],
    layout: SpanLayout,
    cond_width: int,
    rng: np.random.Generator,
) -> CTGANModel:
    """Networks with initial values drawn from ``rng``."""
    return CTGANModel(
        generator=GeneratorNet(
            config["embedding_dim"],
            cond_width,
            config["generator_dim"],
            layout.width,
            rng=rng,
        ),
        discriminator=DiscriminatorNet(
            layout.width,
            cond_width,
            config["discriminator_dim"],
            config["pac"],
            rng=rng,
        ),
        layout=layout,
        embedding_dim=config["embedding_dim"],
        has_conditions=cond_width > 0,
    )


# -- training ---------------------------------------------------------------------


class TrainState(NamedTuple):
    """Everything a training epoch reads and updates, as one pytree."""

    generator_params: nnx.State
    generator_stats: nnx.State
    discriminator_params: nnx.State
    generator_opt: optax.OptState
    discriminator_opt: optax.OptState


class EpochBatches(NamedTuple):
    """Everything random about one epoch's data, drawn up front in one call.

    Each array has shape ``(steps, discriminator_steps, batch)``.

    Attributes:
        rows: Positions of real rows in the encoded matrix.
        slots: Position of the 1 in each row's conditional vector (zeros
            when the table has no discrete column). Real and fake rows of a
            step share their conditional vectors.
        chosen: Which category span each conditional vector picks.
        target: The encoded column of the picked category.
    """

    rows: np.ndarray
    slots: np.ndarray
    chosen: np.ndarray
    target: np.ndarray


def sample_epoch(
    sampler: ConditionalSampler | FrequencySampler,
    category_spans: Sequence[tuple[int, int]],
    shape: tuple[int, int, int],
    rng: np.random.Generator,
) -> EpochBatches:
    """Draw one epoch's conditional vectors and real rows, as the torch backend does.

    Args:
        sampler: The fitted training-by-sampling statistics.
        category_spans: ``(start in cond vector, start in encoded matrix)``
            of each discrete column, in the sampler's order.
        shape: ``(steps, discriminator_steps, batch)``.
        rng: Source of randomness.
    """
    drawn = training.draw_epoch(sampler, category_spans, math.prod(shape), rng)

    def shaped(values: np.ndarray | None) -> np.ndarray:
        if values is None:
            return np.zeros(shape, dtype=np.int32)
        return values.astype(np.int32).reshape(shape)

    return EpochBatches(
        shaped(drawn.rows),
        shaped(drawn.slots),
        shaped(drawn.chosen),
        shaped(drawn.target),
    )


def conditional_loss(
    raw: jax.Array, layout: SpanLayout, chosen: jax.Array, target: jax.Array
) -> jax.Array:
    """Cross-entropy of each row's chosen category span against its condition."""
    picked = jax.nn.one_hot(chosen, len(layout.categories), dtype=raw.dtype)
    logsumexp = (layout.category_logsumexp(raw) * picked).sum(axis=1)
    wanted = (raw * jax.nn.one_hot(target, layout.width, dtype=raw.dtype)).sum(axis=1)
    return (logsumexp - wanted).mean()


def make_train_epoch(
    model: CTGANModel,
    generator_optimizer: optax.GradientTransformation,
    discriminator_optimizer: optax.GradientTransformation,
    bfloat16: bool = False,
) -> Callable[[TrainState, jax.Array, EpochBatches, jax.Array], Any]:
    """The jitted epoch: ``(state, data, batches, key) -> (state, mean losses)``.

    Each step makes ``discriminator_steps`` discriminator updates, then one
    generator-network update on the fake rows of the last of them (the
    generator network has not changed since it made them, so its backward
    pass reuses that forward pass). With ``bfloat16``, the dense layers'
    products round their inputs to bfloat16 (see
    :func:`genesis_jax._common.product`).
    """
    generator_graph = precision_graph(model.generator, bfloat16)
    discriminator_graph = precision_graph(model.discriminator, bfloat16)
    layout, has_conditions = model.layout, model.has_conditions
    embedding_dim = model.embedding_dim

    def fake_rows(params, stats, noise, slots, key):
        # A copy, so that batch norm may update its statistics inside vjp.
        net = nnx.merge(generator_graph, params, stats, copy=True)
        raw = net(noise, slots, training=True)
        fake = layout.gumbel_activate(raw, key)
        return (raw, fake), nnx.state(net, nnx.BatchStat)

    def discriminator_loss(params, real, fake, slots, key):
        net = nnx.merge(discriminator_graph, params)
        score_key, mix_key, penalty_key = jax.random.split(key, 3)
        condition = net.condition(slots)
        both = None if condition is None else jnp.concatenate([condition, condition])
        scores = net(jnp.concatenate([real, fake]), both, score_key)
        real_score, fake_score = jnp.split(scores, 2)
        gap = fake_score.mean() - real_score.mean()
        # WGAN-GP on random mixes of real and fake packs, which share their
        # conditional vectors; the gradient is taken with respect to the rows.
        alpha = jax.random.uniform(mix_key, (real.shape[0], 1), real.dtype)
        mixed = fake + alpha * (real - fake)
        grad = jax.grad(lambda rows: net(rows, condition, penalty_key).sum())(mixed)
        norm = jnp.sqrt(jnp.square(grad).sum(axis=1))
        penalty = PENALTY_WEIGHT * jnp.square(norm - 1.0).mean()
        return gap + penalty, (gap, penalty)

    def generator_loss(fake, raw, params, slots, chosen, target, key):
        net = nnx.merge(discriminator_graph, params)
        adversarial = -net(net.pack(fake), net.condition(slots), key).mean()
        conditional = jnp.zeros((), jnp.float32)
        if has_conditions:
            conditional = conditional_loss(raw, layout, chosen, target)
        return adversarial + conditional, (adversarial, conditional)

    def step(carry, batch):
        state, data, key = carry
        rows, slots_all, chosen, target = batch
        last = rows.shape[0] - 1
        generator_stats, discriminator_params = (
            state.generator_stats,
            state.discriminator_params,
        )
        discriminator_opt = state.discriminator_opt
        for inner in range(last + 1):
            key, noise_key, gumbel_key, score_key = jax.random.split(key, 4)
            noise = jax.random.normal(
                noise_key, (rows.shape[1], embedding_dim), jnp.float32
            )
            slots = slots_all[inner] if has_conditions else None

            def forward(
                params, stats=generator_stats, noise=noise, slots=slots, key=gumbel_key
            ):
                return fake_rows(params, stats, noise, slots, key)

            if inner == last:
                (raw, fake), backward, generator_stats = jax.vjp(
                    forward, state.generator_params, has_aux=True
                )
            else:
                (raw, fake), generator_stats = forward(state.generator_params)
            real = jnp.take(data, rows[inner], axis=0)
            pack = _packer(model.discriminator)
            grads, (gap, penalty) = jax.grad(discriminator_loss, has_aux=True)(
                discriminator_params,
                pack(real),
                pack(jax.lax.stop_gradient(fake)),
                slots,
                score_key,
            )
            updates, discriminator_opt = discriminator_optimizer.update(
                grads, discriminator_opt, discriminator_params
            )
            discriminator_params = optax.apply_updates(discriminator_params, updates)

        key, adversarial_key = jax.random.split(key)
        (fake_grad, raw_grad), (adversarial, conditional) = jax.grad(
            generator_loss, argnums=(0, 1), has_aux=True
        )(
            fake,
            raw,
            discriminator_params,
            slots,
            chosen[last],
            target[last],
            adversarial_key,
        )
        (generator_grads,) = backward((raw_grad, fake_grad))
        updates, generator_opt = generator_optimizer.update(
            generator_grads, state.generator_opt, state.generator_params
        )
        state = TrainState(
            optax.apply_updates(state.generator_params, updates),
            generator_stats,
            discriminator_params,
            generator_opt,
            discriminator_opt,
        )
        losses = jnp.stack(
            [adversarial + conditional, gap + penalty, conditional, penalty]
        )
        return (state, data, key), losses

    @jax.jit
    def run(state, data, batches, key):
        (state, _, _), losses = jax.lax.scan(step, (state, data, key), batches)
        return state, losses.mean(axis=0)

    return run


def _packer(discriminator: DiscriminatorNet) -> Callable[[jax.Array], jax.Array]:
    width = discriminator.pac * discriminator.data_dim
    return lambda rows: rows.reshape(-1, width)


def train_epoch(
    run: Callable[..., Any],
    state: TrainState,
    data: jax.Array,
    batches: EpochBatches,
    key: jax.Array,
) -> tuple[TrainState, dict[str, float]]:
    """Run one epoch with ``run`` (from :func:`make_train_epoch`) and wait for it.

    Returns:
        The new state and the mean of each loss over the epoch's steps.
    """
    state, losses = run(state, data, batches, key)
    return state, _loss_dict(losses)


def _loss_dict(losses: jax.Array) -> dict[str, float]:
    return dict(zip(LOSS_NAMES, np.asarray(losses).tolist(), strict=True))


def make_generate_batch(
    model: CTGANModel, bfloat16: bool = False
) -> Callable[..., tuple[jax.Array, jax.Array]]:
    """The jitted generation path: ``(params, stats, slots, key, draws) ->
    (rows, drawn slots)``.

    ``draws`` is None (the noise and the slots are drawn from ``key``) or
    the :class:`~genesis_jax._common.HostDraws` made on the host.
    ``bfloat16`` multiplies in bfloat16 with float32 sums and results.
    """
    graph = precision_graph(model.generator, bfloat16)
    layout, has_conditions = model.layout, model.has_conditions
    embedding_dim = model.embedding_dim

    @jax.jit
    def run(params, stats, slots, key, draws):
        noise_key, slot_key = jax.random.split(key)
        if draws is None:
            noise = jax.random.normal(
                noise_key, (slots.shape[0], embedding_dim), jnp.float32
            )
            uniforms = None
        else:
            noise, uniforms = draws.normals, draws.uniforms
        net = nnx.merge(graph, params, stats)
        raw = net(noise, slots if has_conditions else None, training=False)
        return layout.sample_activate(raw, slot_key, uniforms)

    return run


def generate_batch(
    model: CTGANModel,
    run: Callable[..., tuple[jax.Array, jax.Array]],
    slots: np.ndarray | None,
    n: int,
    key: jax.Array,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows ready for decoding, from the eval-mode generator network.

    Args:
        model: The networks.
        run: The compiled path of :func:`make_generate_batch`.
        slots: ``(n,)`` position of each row's condition in the conditional
            vector, or None when the table has no discrete column.
        n: Rows.
        key: Source of the noise.
        rng: On a CPU, source of the input noise and of the uniforms that
            draw each one-hot span's slot
            (:func:`~genesis_jax._common.host_draws`); None draws them from
            ``key``.

    Returns:
        The ``(n, width)`` matrix and the ``(n, n_one_hot)`` drawn slots.
    """
    size = max(_SMALLEST_GENERATE_BATCH, 1 << max(n - 1, 0).bit_length())
    padded = np.zeros(size, dtype=np.int32)
    if slots is not None:
        padded[:n] = slots
    params, stats = nnx.state(model.generator, nnx.Param, nnx.BatchStat)
    draws = (
        None
        if rng is None
        else host_draws(rng, size, model.embedding_dim, model.layout)
    )
    rows, drawn = run(params, stats, padded, key, draws)
    return np.asarray(rows)[:n], np.asarray(drawn)[:n]


# -- the generator --------------------------------------------------------------------


class CTGANGenerator(ConditionalTableModel):
    """CTGAN on JAX, registered as method ``"ctgan"``, backend ``"jax"``.

    Args:
        config: Config keys of :data:`CONFIG_SPEC`; missing keys take their
            defaults.
        seed: Makes fit and generate reproducible on one device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (None): a GPU when JAX
            sees one.

    Raises:
        InvalidConfigError: A key is unknown or out of range, or batch_size
            is not a multiple of pac.

    Attributes:
        loss_history_: One dict of mean losses per finished epoch.
        interrupted_: True when Ctrl-C stopped the fit early.
        mixed_precision_: True when training computed its dense layers'
            products in bfloat16 (config key ``training_precision``; by
            default on GPUs and on CPUs with AVX512-BF16 or AMX). Generation
            follows ``sampling_precision``.
        batch_size_: The batch size used: batch_size, or about an eighth of
            the rows for a table smaller than eight batches, in whole packs
            and never under two rows (batch normalisation needs two).
        compile_seconds_: Seconds spent tracing and compiling the training
            epoch, before the first epoch ran.
    """

    method: ClassVar[str] = "ctgan"
    backend: ClassVar[str] = "jax"
    config_spec: ClassVar[ConfigSpec] = CONFIG_SPEC
    state_version: ClassVar[int] = STATE_VERSION
    title: ClassVar[str] = "CTGAN"
    _generate_run: Callable[..., jax.Array] | None = None
    mixed_precision_: bool = False

    def _resolve_device(self, device: str | None) -> jax.Device:
        return resolve_device(device)

    # -- fit --------------------------------------------------------------------

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None = None
    ) -> None:
        """Learn ``prepared``; Ctrl-C stops after the current epoch, model usable."""
        # A fit that fails leaves the generator unfitted, never half-replaced.
        self._model = None
        rng = np.random.default_rng(self.seed)
        train_key = key_from_rng(rng)
        encoded, sampler, cond_starts = self._encode(prepared, rng)
        self.batch_size_ = training.fit_batch_size(
            self.config["batch_size"],
            prepared.n_rows,
            self.config["pac"],
            smallest=training.CTGAN_MIN_BATCH,
        )
        self.mixed_precision_ = _fitting.uses_bfloat16(self.config, self.device)
        layout = SpanLayout.from_spans(encoded.spans)
        with jax.default_device(self.device):
            model = build_model(self.config, layout, self.conditions_.width, rng)
            self._train(model, encoded, sampler, cond_starts, rng, train_key, progress)
        self._model = model
        self._generate_run = make_generate_batch(
            model, _fitting.samples_in_bfloat16(self.config, self.device)
        )

    def _train(
        self,
        model: CTGANModel,
        encoded: EncodedTable,
        sampler: ConditionalSampler | FrequencySampler,
        cond_starts: list[tuple[int, int]],
        rng: np.random.Generator,
        key: jax.Array,
        progress: ProgressCallback | None,
    ) -> None:
        """Compile the epoch, run the epochs and leave the result in ``model``."""
        config = self.config
        generator_optimizer = _fitting.adam(
            config["generator_lr"], config["generator_decay"], ADAM_BETAS
        )
        discriminator_optimizer = _fitting.adam(
            config["discriminator_lr"], config["discriminator_decay"], ADAM_BETAS
        )
        generator_params, generator_stats = nnx.state(
            model.generator, nnx.Param, nnx.BatchStat
        )
        discriminator_params = nnx.state(model.discriminator, nnx.Param)
        state = jax.device_put(
            TrainState(
                generator_params,
                generator_stats,
                discriminator_params,
                generator_optimizer.init(generator_params),
                discriminator_optimizer.init(discriminator_params),
            ),
            self.device,
        )
        data = jax.device_put(encoded.matrix, self.device)
        shape = (
            max(encoded.n_rows // self.batch_size_, 1),
            config["discriminator_steps"],
            self.batch_size_,
        )

        def next_batches() -> EpochBatches:
            batches = sample_epoch(sampler, cond_starts, shape, rng)
            return jax.device_put(batches, self.device)

        batches = next_batches()
        compiled, self.compile_seconds_ = _fitting.compile_timed(
            _fitting.static_key(
                self.method, config, encoded.spans, self.conditions_.width, self.device
            ),
            lambda: make_train_epoch(
                model,
                generator_optimizer,
                discriminator_optimizer,
                self.mixed_precision_,
            ),
            state,
            data,
            batches,
            key,
        )
        n_values = parameter_count(model.generator, model.discriminator)
        _fitting.log_cost(
            logger,
            method=self.method,
            encoded=encoded,
            modes=self.transformer_.modes_by_label,
            cond_width=self.conditions_.width,
            n_values=n_values,
            memory_bytes=_fitting.memory_estimate(n_values, data, *batches),
            compile_seconds=self.compile_seconds_,
            device=self.device,
            bfloat16=self.mixed_precision_,
        )

        def run_epoch() -> dict[str, float]:
            nonlocal state, batches, key
            key, epoch_key = jax.random.split(key)
            state, losses = compiled(state, data, batches, epoch_key)
            # The host draws the next epoch while the device runs this one.
            batches = next_batches()
            return _loss_dict(losses)

        self.loss_history_, self.interrupted_ = training.run_epochs(
            _fitting.logging_first_epoch(run_epoch, logger, config["epochs"]),
            config["epochs"],
            progress,
            logger,
        )
        nnx.update(model.generator, state.generator_params, state.generator_stats)
        nnx.update(model.discriminator, state.discriminator_params)

    # -- generate ------------------------------------------------------------------

    def _matrix_source(
        self, model: CTGANModel, conditions: list[Condition], rng: np.random.Generator
    ) -> MatrixSource:
        key = key_from_rng(rng)
        slots_for = self._condition_slots(conditions, rng)
        host_rng = rng if self.device.platform == "cpu" else None

        def source(count: int) -> DrawnRows:
            nonlocal key
            key, batch_key = jax.random.split(key)
            slots = slots_for(count)
            with jax.default_device(self.device):
                return DrawnRows(
                    *generate_batch(
                        model, self._generate_run, slots, count, batch_key, host_rng
                    )
                )

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
        dense = jnp.asarray(noise, jnp.float32)
        positions = jnp.asarray(slots, jnp.int32) if model.has_conditions else None
        with jax.default_device(self.device):
            raw = model.generator(dense, positions, training=False)
        return np.asarray(raw, dtype=np.float32)

    # -- state ------------------------------------------------------------------------

    def _network_arrays(self, model: CTGANModel) -> dict[str, np.ndarray]:
        return {
            **module_arrays(model.generator, "generator"),
            **module_arrays(model.discriminator, "discriminator"),
        }

    def _restore_model(self, arrays: Mapping[str, np.ndarray]) -> CTGANModel:
        layout = SpanLayout.from_spans(self.transformer_.spans)
        with jax.default_device(self.device):
            placeholder = np.random.default_rng(0)
            model = build_model(
                self.config, layout, self.conditions_.width, placeholder
            )
            load_module_arrays(model.generator, arrays, "generator")
            load_module_arrays(model.discriminator, arrays, "discriminator")
        self._generate_run = make_generate_batch(
            model, _fitting.samples_in_bfloat16(self.config, self.device)
        )
        return model
