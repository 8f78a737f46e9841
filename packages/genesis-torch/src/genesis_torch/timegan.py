"""TimeGAN on PyTorch: adversarial training in a learned latent space.

The method of Yoon, Jarrett and van der Schaar, "Time-series Generative
Adversarial Networks" (NeurIPS 2019). Five recurrent networks, each a stack
of GRU or LSTM layers followed by a dense layer applied at every step:

* the embedder maps windows to latent sequences and the recovery maps them
  back (sigmoid outputs, since the front door scales data to [0, 1]);
* the generator maps uniform noise to latent sequences, and the supervisor
  predicts each latent step from the ones before it (one layer fewer);
* the discriminator gives a real-or-synthetic logit per latent step.

Training runs the paper's three phases, each for the same number of
iterations: the autoencoder alone (reconstruction), the supervisor alone
(next latent step of real data), then all together. A joint iteration is two
generator steps, each followed by an embedder step, then one discriminator
step that is taken only while the discriminator's loss is above
:data:`DISCRIMINATOR_THRESHOLD`.

Weight names (backend-neutral; ``<net>`` is ``embedder``, ``recovery``,
``generator``, ``supervisor`` or ``discriminator``):

* ``<net>.rnn.layers.<i>.input_weight`` ``(gates * hidden, inputs)``,
  ``.recurrent_weight`` ``(gates * hidden, hidden)``, ``.input_bias`` and
  ``.recurrent_bias`` ``(gates * hidden,)``. Gates are stacked in the order
  reset, update, candidate for a GRU, whose candidate is
  ``tanh(W_in x + b_in + r * (W_hn h + b_hn))``; and input, forget, cell,
  output for an LSTM.
* ``<net>.output.weight`` ``(outputs, hidden)`` and ``<net>.output.bias``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from genesis import training
from genesis._config import ConfigSpec, resolve_config
from genesis.errors import InvalidDataError, ModelFileError, NotFittedError
from genesis.generators.timeseries import STAGES, TIMEGAN_CONFIG_SPEC
from genesis.protocols import ProgressCallback, ProgressEvent
from genesis.recipes.timegan import (
    ADAM_BETAS,
    DISCRIMINATOR_THRESHOLD,
    EMBEDDER_SUPERVISED_WEIGHT,
    GAMMA,
    GENERATOR_STEPS_PER_ITERATION,
    GENERATOR_SUPERVISED_WEIGHT,
    JOINT_LOSSES,
    LEARNING_RATE,
    MOMENT_WEIGHT,
    NETWORK_NAMES,
    RECONSTRUCTION_WEIGHT,
    VARIANCE_EPSILON,
    initial_weights,
    network_shapes,
)
from genesis.table_model import rebuild_from_state
from genesis_torch import _fitting
from genesis_torch._common import (
    parameter_count,
    resolve_device,
    seeded_generator,
)

__all__ = [
    "NETWORK_NAMES",
    "RecurrentNet",
    "TimeGANGenerator",
    "TimeGANNetworks",
    "autoencoder_step",
    "discriminator_step",
    "embedder_step",
    "generate_batch",
    "generator_step",
    "supervised_step",
]

logger = logging.getLogger(__name__)

AUTOENCODER, SUPERVISED, JOINT = STAGES

GENERATE_BATCH = 8192
STATE_VERSION = 1


# -- networks ----------------------------------------------------------------


class RecurrentNet(nn.Module):
    """Recurrent layers, then one dense layer at every step.

    Args:
        module: ``"gru"`` or ``"lstm"``.
        input_dim: Features per input step.
        hidden_dim: Width of every recurrent layer.
        num_layers: Recurrent layers.
        output_dim: Features per output step.
        squash: Apply a sigmoid to the output (False gives logits).
    """

    def __init__(
        self,
        module: str,
        input_dim: int,
        hidden_dim: int,
        num_layers: int,
        output_dim: int,
        squash: bool,
    ) -> None:
        super().__init__()
        recurrent = nn.GRU if module == "gru" else nn.LSTM
        self.rnn = recurrent(input_dim, hidden_dim, num_layers, batch_first=True)
        self.output = nn.Linear(hidden_dim, output_dim)
        self.squash = squash

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.rnn(sequences)
        out = self.output(hidden)
        return torch.sigmoid(out) if self.squash else out


@dataclass
class TimeGANNetworks:
    """The five networks of one TimeGAN fit."""

    embedder: RecurrentNet
    recovery: RecurrentNet
    generator: RecurrentNet
    supervisor: RecurrentNet
    discriminator: RecurrentNet

    @classmethod
    def build(
        cls,
        config: Mapping[str, Any],
        n_features: int,
        device: torch.device,
        weights: Mapping[str, np.ndarray],
    ) -> TimeGANNetworks:
        """The networks for ``config`` on ``device``, holding ``weights``.

        ``weights`` are backend-neutral arrays: the core's
        :func:`~genesis.recipes.timegan.initial_weights` for a new fit, a
        model file's for a loaded one. The networks are made on the
        ``meta`` device first, so nothing is drawn and discarded.

        Raises:
            ModelFileError: An array is missing or has the wrong shape.
        """
        module, hidden = config["module"], config["hidden_dim"]
        networks = {}
        for name, shape in network_shapes(config, n_features).items():
            with torch.device("meta"):
                network = RecurrentNet(
                    module,
                    shape.inputs,
                    hidden,
                    shape.layers,
                    shape.outputs,
                    squash=name != "discriminator",
                )
            networks[name] = network.to_empty(device=device)
        built = cls(**networks)
        load_network_arrays(built, weights)
        return built

    def named(self) -> dict[str, RecurrentNet]:
        return {name: getattr(self, name) for name in NETWORK_NAMES}

    def parameters(self, *names: str) -> list[nn.Parameter]:
        return [p for name in names for p in getattr(self, name).parameters()]


def _adam(networks: TimeGANNetworks, *names: str) -> torch.optim.Adam:
    return torch.optim.Adam(
        networks.parameters(*names), lr=LEARNING_RATE, betas=ADAM_BETAS
    )


@contextlib.contextmanager
def _frozen(*modules: nn.Module) -> Iterator[None]:
    """Let gradients flow through ``modules`` without computing their own."""
    parameters = [p for m in modules for p in m.parameters()]
    for parameter in parameters:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter in parameters:
            parameter.requires_grad_(True)


# -- weights <-> backend-neutral arrays --------------------------------------

_RNN_ENTRIES = (
    ("weight_ih", "input_weight"),
    ("weight_hh", "recurrent_weight"),
    ("bias_ih", "input_bias"),
    ("bias_hh", "recurrent_bias"),
)


def _neutral_tensors(name: str, network: RecurrentNet) -> dict[str, torch.Tensor]:
    tensors = {}
    for layer in range(network.rnn.num_layers):
        for torch_name, neutral in _RNN_ENTRIES:
            tensors[f"{name}.rnn.layers.{layer}.{neutral}"] = getattr(
                network.rnn, f"{torch_name}_l{layer}"
            )
    tensors[f"{name}.output.weight"] = network.output.weight
    tensors[f"{name}.output.bias"] = network.output.bias
    return tensors


def network_arrays(networks: TimeGANNetworks) -> dict[str, np.ndarray]:
    """Every weight as a float32 numpy array under its backend-neutral name."""
    return {
        key: tensor.detach().to("cpu", torch.float32).numpy().copy()
        for name, network in networks.named().items()
        for key, tensor in _neutral_tensors(name, network).items()
    }


def load_network_arrays(
    networks: TimeGANNetworks, arrays: Mapping[str, np.ndarray]
) -> None:
    """Copy arrays saved by :func:`network_arrays` into ``networks``.

    Raises:
        ModelFileError: An array is missing or has the wrong shape.
    """
    with torch.no_grad():
        for name, network in networks.named().items():
            for key, tensor in _neutral_tensors(name, network).items():
                if key not in arrays:
                    raise ModelFileError(
                        f"The model file has no array {key!r}; it was not written by "
                        "a compatible version of TimeGAN."
                    )
                value = np.asarray(arrays[key])
                if tuple(value.shape) != tuple(tensor.shape):
                    raise ModelFileError(
                        f"Array {key!r} in the model file has shape {value.shape}; "
                        f"the network expects {tuple(tensor.shape)}, so the file "
                        "does not match its own config."
                    )
                tensor.copy_(torch.as_tensor(value, dtype=tensor.dtype))
            network.rnn.flatten_parameters()


# -- losses and steps --------------------------------------------------------


def supervised_loss(latent: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
    """Error of the supervisor's prediction of each latent step from the ones before."""
    return functional.mse_loss(predicted[:, :-1], latent[:, 1:])


def moment_loss(synthetic: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Gap between the batch's standard deviations and means, per step and feature."""
    synthetic_var, synthetic_mean = torch.var_mean(synthetic, dim=0, correction=0)
    real_var, real_mean = torch.var_mean(real, dim=0, correction=0)
    spread = (
        torch.sqrt(synthetic_var + VARIANCE_EPSILON)
        - torch.sqrt(real_var + VARIANCE_EPSILON)
    ).abs()
    return spread.mean() + (synthetic_mean - real_mean).abs().mean()


def _is_real(logits: torch.Tensor, real: bool) -> torch.Tensor:
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return functional.binary_cross_entropy_with_logits(logits, target)


def autoencoder_step(
    networks: TimeGANNetworks, optimizer: torch.optim.Optimizer, windows: torch.Tensor
) -> torch.Tensor:
    """Phase 1: one update of embedder and recovery; returns the reconstruction MSE."""
    recovered = networks.recovery(networks.embedder(windows))
    reconstruction = functional.mse_loss(recovered, windows)
    optimizer.zero_grad(set_to_none=True)
    (RECONSTRUCTION_WEIGHT * torch.sqrt(reconstruction)).backward()
    optimizer.step()
    return reconstruction.detach()


def supervised_step(
    networks: TimeGANNetworks, optimizer: torch.optim.Optimizer, windows: torch.Tensor
) -> torch.Tensor:
    """Phase 2: one update of the supervisor on real latents; returns its loss."""
    with torch.no_grad():
        latent = networks.embedder(windows)
    loss = supervised_loss(latent, networks.supervisor(latent))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def generator_step(
    networks: TimeGANNetworks,
    optimizer: torch.optim.Optimizer,
    windows: torch.Tensor,
    noise: torch.Tensor,
) -> torch.Tensor:
    """Phase 3: one update of generator and supervisor.

    The objective adds the adversarial losses of the supervised and the raw
    generated latents, the supervised loss on real latents and the moment
    gap of the recovered windows.

    Returns:
        The total, adversarial, supervised and moment losses, stacked.
    """
    n = windows.shape[0]
    with torch.no_grad():
        latent = networks.embedder(windows)
    raw_latent = networks.generator(noise)
    # Networks run once on stacked batches: on small batches a recurrent
    # pass costs its per-step overhead, not its arithmetic.
    synthetic_latent, predicted = networks.supervisor(
        torch.cat([raw_latent, latent])
    ).split(n)
    with _frozen(networks.recovery, networks.discriminator):
        synthetic = networks.recovery(synthetic_latent)
        logits = networks.discriminator(torch.cat([synthetic_latent, raw_latent]))
        adversarial = _is_real(logits[:n], True)
        adversarial_raw = _is_real(logits[n:], True)
        supervised = supervised_loss(latent, predicted)
        moments = moment_loss(synthetic, windows)
        total = (
            adversarial
            + GAMMA * adversarial_raw
            + GENERATOR_SUPERVISED_WEIGHT * torch.sqrt(supervised)
            + MOMENT_WEIGHT * moments
        )
        optimizer.zero_grad(set_to_none=True)
        total.backward()
    optimizer.step()
    return torch.stack([total, adversarial, supervised, moments]).detach()


def embedder_step(
    networks: TimeGANNetworks, optimizer: torch.optim.Optimizer, windows: torch.Tensor
) -> torch.Tensor:
    """Phase 3: one update of embedder and recovery; returns the reconstruction MSE.

    The objective adds a tenth of the supervised loss, so the latent space
    stays one whose steps the supervisor can predict.
    """
    latent = networks.embedder(windows)
    reconstruction = functional.mse_loss(networks.recovery(latent), windows)
    with _frozen(networks.supervisor):
        supervised = supervised_loss(latent, networks.supervisor(latent))
        loss = (
            RECONSTRUCTION_WEIGHT * torch.sqrt(reconstruction)
            + EMBEDDER_SUPERVISED_WEIGHT * supervised
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
    optimizer.step()
    return reconstruction.detach()


def discriminator_step(
    networks: TimeGANNetworks,
    optimizer: torch.optim.Optimizer,
    windows: torch.Tensor,
    noise: torch.Tensor,
) -> torch.Tensor:
    """Phase 3: update the discriminator if its loss is above the threshold.

    Returns:
        The discriminator's loss before the update, whether or not one was made.
    """
    with torch.no_grad():
        latent = networks.embedder(windows)
        raw_latent = networks.generator(noise)
        synthetic_latent = networks.supervisor(raw_latent)
    n = windows.shape[0]
    logits = networks.discriminator(torch.cat([latent, synthetic_latent, raw_latent]))
    real, synthetic, raw = logits.split(n)
    loss = (
        _is_real(real, True) + _is_real(synthetic, False) + GAMMA * _is_real(raw, False)
    )
    if loss.item() > DISCRIMINATOR_THRESHOLD:
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return loss.detach()


@torch.inference_mode()
def generate_batch(
    networks: TimeGANNetworks,
    n: int,
    seq_len: int,
    n_features: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """``(n, seq_len, n_features)`` synthetic windows in [0, 1]."""
    device = networks.generator.output.weight.device
    noise = torch.rand(n, seq_len, n_features, generator=generator, device=device)
    return networks.recovery(networks.supervisor(networks.generator(noise)))


# -- batches and phases ------------------------------------------------------


class WindowBatches:
    """Batches of windows drawn in shuffled passes over the data.

    Every window appears once per pass; a batch that straddles two passes
    takes the end of one and the start of the next, so batches are always
    full.
    """

    def __init__(
        self, windows: torch.Tensor, batch_size: int, generator: torch.Generator
    ) -> None:
        self._windows = windows
        self._batch_size = batch_size
        self._generator = generator
        self._order = self._shuffle()
        self._position = 0

    def _shuffle(self) -> torch.Tensor:
        n = self._windows.shape[0]
        return torch.randperm(n, generator=self._generator, device=self._windows.device)

    def next(self) -> torch.Tensor:
        stop = self._position + self._batch_size
        if stop <= len(self._order):
            index = self._order[self._position : stop]
            self._position = stop
        else:
            rest = self._order[self._position :]
            self._order = self._shuffle()
            self._position = self._batch_size - len(rest)
            index = torch.cat([rest, self._order[: self._position]])
        return self._windows.index_select(0, index)

    def noise(self) -> torch.Tensor:
        """Uniform noise shaped like a batch, the generator's input."""
        shape = (self._batch_size, *self._windows.shape[1:])
        return torch.rand(shape, generator=self._generator, device=self._windows.device)


def run_phase(
    stage: str,
    step: Callable[[], torch.Tensor],
    loss_names: tuple[str, ...],
    iterations: int,
    report_every: int,
    progress: ProgressCallback | None,
) -> list[dict[str, Any]]:
    """Call ``step`` ``iterations`` times, reporting mean losses every ``report_every``.

    Losses stay on the device between reports, so the loop does not wait
    for them at every step. Ctrl-C propagates to the caller.
    """
    history: list[dict[str, Any]] = []
    totals: torch.Tensor | None = None
    since_report = 0
    for iteration in range(1, iterations + 1):
        losses = step()
        totals = losses if totals is None else totals + losses
        since_report += 1
        if iteration % report_every and iteration != iterations:
            continue
        means = dict(
            zip(loss_names, (totals / since_report).reshape(-1).tolist(), strict=True)
        )
        history.append({"stage": stage, "iteration": iteration, **means})
        logger.debug(
            "%s %d/%d: %s",
            stage,
            iteration,
            iterations,
            ", ".join(f"{k} {v:.4f}" for k, v in means.items()),
        )
        if progress is not None:
            progress(ProgressEvent(stage, iteration, iterations, means))
        totals, since_report = None, 0
    return history


@dataclass
class _Training:
    """What a fit's steps share: networks, batches and optimizers per phase."""

    networks: TimeGANNetworks
    batches: WindowBatches

    def autoencoder(self) -> Callable[[], torch.Tensor]:
        optimizer = _adam(self.networks, "embedder", "recovery")
        return lambda: autoencoder_step(self.networks, optimizer, self.batches.next())

    def supervised(self) -> Callable[[], torch.Tensor]:
        optimizer = _adam(self.networks, "generator", "supervisor")
        return lambda: supervised_step(self.networks, optimizer, self.batches.next())

    def joint(self) -> Callable[[], torch.Tensor]:
        generator_optimizer = _adam(self.networks, "generator", "supervisor")
        embedder_optimizer = _adam(self.networks, "embedder", "recovery")
        discriminator_optimizer = _adam(self.networks, "discriminator")
        networks, batches = self.networks, self.batches

        def iteration() -> torch.Tensor:
            losses = []
            for _ in range(GENERATOR_STEPS_PER_ITERATION):
                windows = batches.next()
                generator_losses = generator_step(
                    networks, generator_optimizer, windows, batches.noise()
                )
                reconstruction = embedder_step(networks, embedder_optimizer, windows)
                losses.append(torch.cat([generator_losses, reconstruction.reshape(1)]))
            discriminator = discriminator_step(
                networks, discriminator_optimizer, batches.next(), batches.noise()
            )
            mean = torch.stack(losses).mean(dim=0)
            return torch.cat([mean, discriminator.reshape(1)])

        return iteration


# -- the generator -----------------------------------------------------------


class TimeGANGenerator:
    """TimeGAN on PyTorch, registered as method ``"timegan"``, backend ``"torch"``.

    Users reach it through :class:`genesis.generators.timeseries.TimeGANGenerator`,
    which checks and scales the data; this class sees windows in [0, 1].

    Args:
        config: Keys of :data:`genesis.generators.timeseries.TIMEGAN_CONFIG_SPEC`.
        seed: Makes fit and generate reproducible on one device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (None).

    Attributes:
        loss_history_: Mean losses per stage and report.
        interrupted_: True when Ctrl-C stopped the fit early.
        iterations_: Iterations planned per phase.
        threads_: CPU threads fit and generate run on: one on the CPU.
        seconds_per_iteration_: Wall seconds per iteration of each phase run.
    """

    method: ClassVar[str] = "timegan"
    backend: ClassVar[str] = "torch"
    config_spec: ClassVar[ConfigSpec] = TIMEGAN_CONFIG_SPEC

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        seed: int | None = None,
        device: str | None = None,
    ) -> None:
        self.config = resolve_config(self.method, self.config_spec, config)
        self.seed = seed
        # As asked, which a pickle carries (see TableModel).
        self._asked_device = device
        self.device = resolve_device(device)
        self.loss_history_: list[dict[str, Any]] = []
        self.interrupted_ = False
        self.seconds_per_iteration_: dict[str, float] = {}
        # Every step is a chain of small products, too small to share between
        # threads: one thread runs them fastest and leaves the other cores
        # free (on a busy machine, threads that wait for each other make a
        # step, or generation, many times slower).
        self.threads_ = 1 if self.device.type == "cpu" else torch.get_num_threads()
        self._networks: TimeGANNetworks | None = None

    def fit(
        self, windows: np.ndarray, *, progress: ProgressCallback | None = None
    ) -> None:
        """Learn ``(n_windows, seq_len, n_features)`` windows in [0, 1].

        Ctrl-C stops after the current step; the model keeps what it learned.

        Raises:
            InvalidDataError: ``windows`` is not such an array (tables go to
                ``genesis.SyntheticGenerator``, sequences come here through
                ``genesis.generators.timeseries.TimeGANGenerator``).
        """
        if not isinstance(windows, np.ndarray) or windows.ndim != 3:
            raise InvalidDataError(
                "TimeGAN learns sequences: fit it through "
                "genesis.generators.timeseries.TimeGANGenerator, which takes a 3-D "
                "array or a long DataFrame, not through SyntheticGenerator."
            )
        n_windows, self.seq_len_, self.n_features_ = windows.shape
        rng = np.random.default_rng(self.seed)
        self._networks = TimeGANNetworks.build(
            self.config,
            self.n_features_,
            self.device,
            initial_weights(rng, self.config, self.n_features_),
        )
        torch_generator = seeded_generator(rng, self.device)
        batch_size = min(self.config["batch_size"], n_windows)
        steps_per_epoch = -(-n_windows // batch_size)
        self.iterations_ = self.config["iterations"] or (
            self.config["epochs"] * steps_per_epoch
        )
        data = torch.as_tensor(windows, dtype=torch.float32, device=self.device)
        training = _Training(
            self._networks, WindowBatches(data, batch_size, torch_generator)
        )
        self._log_start(n_windows)

        phases = (
            (AUTOENCODER, training.autoencoder, ("reconstruction",)),
            (SUPERVISED, training.supervised, ("supervised",)),
            (JOINT, training.joint, JOINT_LOSSES),
        )
        report_every = min(steps_per_epoch, self.iterations_)
        with _fitting.thread_count(self.threads_):
            try:
                for stage, make_step, names in phases:
                    started = time.perf_counter()
                    self.loss_history_ += run_phase(
                        stage,
                        make_step(),
                        names,
                        self.iterations_,
                        report_every,
                        progress,
                    )
                    elapsed = time.perf_counter() - started
                    self.seconds_per_iteration_[stage] = elapsed / self.iterations_
            except KeyboardInterrupt:
                self.interrupted_ = True
                logger.warning(
                    "TimeGAN training interrupted in the %s phase; the model keeps "
                    "what it learned and can generate.",
                    self.loss_history_[-1]["stage"]
                    if self.loss_history_
                    else AUTOENCODER,
                )

    def _log_start(self, n_windows: int) -> None:
        networks = self._fitted()
        logger.info(
            "TimeGAN on %s (%d CPU thread(s)): %d windows, %d network parameters, "
            "%d iterations in each of the three phases.",
            self.device,
            self.threads_,
            n_windows,
            parameter_count(*networks.named().values()),
            self.iterations_,
        )

    def _fitted(self) -> TimeGANNetworks:
        if self._networks is None:
            raise NotFittedError(
                "This TimeGAN generator is not fitted yet; call fit before generate "
                "or get_state."
            )
        return self._networks

    def generate(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``(n, seq_len, n_features)`` float32 windows in [0, 1]."""
        networks = self._fitted()
        torch_generator = seeded_generator(rng, self.device)
        with _fitting.thread_count(self.threads_):
            parts = [
                generate_batch(
                    networks,
                    min(GENERATE_BATCH, n - start),
                    self.seq_len_,
                    self.n_features_,
                    torch_generator,
                )
                .cpu()
                .numpy()
                for start in range(0, n, GENERATE_BATCH)
            ]
        if not parts:
            return np.zeros((0, self.seq_len_, self.n_features_), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # Through the saved state: tensors pickled on a GPU do not unpickle
        # on a machine without one.
        saved = self.get_state() if self._networks is not None else None
        return (
            rebuild_from_state,
            (type(self), self.config, self.seed, self._asked_device, saved),
        )

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Weights under backend-neutral names, and the fit's record as JSON."""
        networks = self._fitted()
        state = {
            "version": STATE_VERSION,
            "seed": self.seed,
            "seq_len": self.seq_len_,
            "n_features": self.n_features_,
            "iterations": self.iterations_,
            "loss_history": self.loss_history_,
            "interrupted": self.interrupted_,
        }
        return network_arrays(networks), state

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None = None,
    ) -> Self:
        """Rebuild a fitted generator saved by :meth:`get_state`."""
        training.check_state_version(state, STATE_VERSION, cls.method)
        generator = cls(config, seed=state.get("seed"), device=device)
        generator.seq_len_ = int(state["seq_len"])
        generator.n_features_ = int(state["n_features"])
        generator.iterations_ = int(state["iterations"])
        generator.loss_history_ = list(state["loss_history"])
        generator.interrupted_ = bool(state["interrupted"])
        generator._networks = TimeGANNetworks.build(
            generator.config, generator.n_features_, generator.device, arrays
        )
        return generator
