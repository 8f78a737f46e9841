"""TimeGAN on JAX: adversarial training in a learned latent space.

The method of Yoon, Jarrett and van der Schaar, "Time-series Generative
Adversarial Networks" (NeurIPS 2019), with the same networks, losses, config
and weight names as ``genesis_torch.timegan``:

* the embedder maps windows to latent sequences and the recovery maps them
  back (sigmoid outputs, since the front door scales data to [0, 1]);
* the generator maps uniform noise to latent sequences, and the supervisor
  predicts each latent step from the ones before it (one layer fewer);
* the discriminator gives a real-or-synthetic logit per latent step.

Training runs the paper's three phases, each for the same number of
iterations: the autoencoder alone, the supervisor alone, then all together.
A joint iteration is two generator steps, each followed by an embedder step,
then one discriminator step whose update is kept only while the
discriminator's loss is above :data:`DISCRIMINATOR_THRESHOLD`.

The weights are a plain pytree of arrays laid out as the backend-neutral
names say, so :meth:`TimeGANGenerator.get_state` is a flattening and a file
saved by the torch backend loads here unchanged:

* ``<net>.rnn.layers.<i>.input_weight`` ``(gates * hidden, inputs)``,
  ``.recurrent_weight`` ``(gates * hidden, hidden)``, ``.input_bias`` and
  ``.recurrent_bias`` ``(gates * hidden,)``; gates in the order reset,
  update, candidate for a GRU (candidate
  ``tanh(W_in x + b_in + r * (W_hn h + b_hn))``), and input, forget, cell,
  output for an LSTM;
* ``<net>.output.weight`` ``(outputs, hidden)`` and ``<net>.output.bias``.

Each recurrent layer is one ``lax.scan`` over time, after one product for
the inputs of every step, and its backward pass is written by hand: one
scan back that carries the state's gradient, then the weights' gradients
as products over every step at once. A compiled call runs a whole report's worth of
iterations (a ``lax.fori_loop``), with batch indices planned in numpy and
noise drawn inside from keys folded from the seed.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import jax
import jax.numpy as jnp
import numpy as np
import optax

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
from genesis_jax._common import key_from_rng, resolve_device

__all__ = [
    "JOINT_LOSSES",
    "NETWORK_NAMES",
    "TimeGANGenerator",
    "TimeGANSteps",
    "apply_network",
    "generate_batch",
    "init_networks",
    "load_network_arrays",
    "moment_loss",
    "network_arrays",
    "steps_for",
    "supervised_loss",
]

logger = logging.getLogger(__name__)

AUTOENCODER, SUPERVISED, JOINT = STAGES

# One compiled call runs at most this many iterations. Batch plans are
# padded to it and the windows to a power of two, so that one compilation
# serves every data size, iteration count and report interval.
CHUNK_ITERATIONS = 64
GENERATE_BATCH = 8192
# Generation compiles once per batch shape; rounding the batch up to a power
# of two (at least this) keeps the number of shapes small.
SMALLEST_GENERATE_BATCH = 16
STATE_VERSION = 1
RNN_ENTRIES = ("input_weight", "recurrent_weight", "input_bias", "recurrent_bias")


Params = dict[str, Any]


# -- networks ----------------------------------------------------------------


def _params_from_arrays(
    arrays: Mapping[str, np.ndarray], layers: Mapping[str, int]
) -> Params:
    """The pytree of weights held under backend-neutral names in ``arrays``.

    ``layers`` gives each network's number of recurrent layers.
    """
    return {
        name: {
            "rnn": [
                {
                    entry: jnp.asarray(arrays[f"{name}.rnn.layers.{i}.{entry}"])
                    for entry in RNN_ENTRIES
                }
                for i in range(count)
            ],
            "output": {
                entry: jnp.asarray(arrays[f"{name}.output.{entry}"])
                for entry in ("weight", "bias")
            },
        }
        for name, count in layers.items()
    }


def init_networks(
    rng: np.random.Generator, config: Mapping[str, Any], n_features: int
) -> Params:
    """Initial weights of the five networks, drawn from ``rng``.

    The core's :func:`~genesis.recipes.timegan.initial_weights`, the same
    values the torch backend starts from with the same ``rng``.
    """
    shapes = network_shapes(config, n_features)
    return _params_from_arrays(
        initial_weights(rng, config, n_features),
        {name: shape.layers for name, shape in shapes.items()},
    )


def _step_inputs(
    layer: Params, inputs: jax.Array, gates: int, separate: bool
) -> jax.Array | tuple[jax.Array, ...]:
    """Every step's input product: one array, or one array per gate."""
    if not separate:
        return inputs @ layer["input_weight"].T + layer["input_bias"]
    weights = jnp.split(layer["input_weight"], gates)
    biases = jnp.split(layer["input_bias"], gates)
    return tuple(inputs @ w.T + b for w, b in zip(weights, biases, strict=True))


def _gates(step_inputs: jax.Array | tuple[jax.Array, ...], gates: int) -> Any:
    """One step's input product for each gate, from either form above."""
    if isinstance(step_inputs, tuple):
        return step_inputs
    return jnp.split(step_inputs, gates, -1)


def _gru_scan(layer: Params, inputs: jax.Array, separate: bool) -> jax.Array:
    """One GRU layer over time-major ``(steps, batch, inputs)``."""
    recurrent_weight = layer["recurrent_weight"].T
    recurrent_bias = layer["recurrent_bias"]

    def step(state: jax.Array, step_inputs: Any) -> tuple[jax.Array, jax.Array]:
        input_reset, input_update, input_candidate = _gates(step_inputs, 3)
        recurrent = state @ recurrent_weight + recurrent_bias
        state_reset, state_update, state_candidate = jnp.split(recurrent, 3, -1)
        reset = jax.nn.sigmoid(input_reset + state_reset)
        update = jax.nn.sigmoid(input_update + state_update)
        candidate = jnp.tanh(input_candidate + reset * state_candidate)
        state = (1 - update) * candidate + update * state
        return state, state

    initial = jnp.zeros((inputs.shape[1], recurrent_weight.shape[0]), inputs.dtype)
    projected = _step_inputs(layer, inputs, 3, separate)
    _, outputs = jax.lax.scan(step, initial, projected)
    return outputs


def _lstm_scan(layer: Params, inputs: jax.Array, separate: bool) -> jax.Array:
    """One LSTM layer over time-major ``(steps, batch, inputs)``."""
    recurrent_weight = layer["recurrent_weight"].T
    recurrent_bias = layer["recurrent_bias"]

    def step(
        carry: tuple[jax.Array, jax.Array], step_inputs: Any
    ) -> tuple[tuple[jax.Array, jax.Array], jax.Array]:
        state, cell = carry
        recurrent = jnp.split(state @ recurrent_weight + recurrent_bias, 4, -1)
        input_gate, forget_gate, candidate, output_gate = (
            x + r for x, r in zip(_gates(step_inputs, 4), recurrent, strict=True)
        )
        cell = jax.nn.sigmoid(forget_gate) * cell + jax.nn.sigmoid(
            input_gate
        ) * jnp.tanh(candidate)
        state = jax.nn.sigmoid(output_gate) * jnp.tanh(cell)
        return (state, cell), state

    zeros = jnp.zeros((inputs.shape[1], recurrent_weight.shape[0]), inputs.dtype)
    projected = _step_inputs(layer, inputs, 4, separate)
    _, outputs = jax.lax.scan(step, (zeros, zeros), projected)
    return outputs


def _per_gate(
    layer: Params, gates: int
) -> tuple[list[jax.Array], list[jax.Array], list[jax.Array], list[jax.Array]]:
    """Each gate's input weight and bias, transposed recurrent weight, and bias."""
    return (
        jnp.split(layer["input_weight"], gates),
        jnp.split(layer["input_bias"], gates),
        [w.T for w in jnp.split(layer["recurrent_weight"], gates)],
        jnp.split(layer["recurrent_bias"], gates),
    )


def _previous(outputs: jax.Array) -> jax.Array:
    """Each step's state before it: zeros, then every output but the last."""
    return jnp.concatenate([jnp.zeros_like(outputs[:1]), outputs[:-1]])


def _layer_grads(
    layer: Params,
    inputs: jax.Array,
    previous: jax.Array,
    input_grads: tuple[jax.Array, ...],
    state_grads: tuple[jax.Array, ...],
) -> tuple[Params, jax.Array]:
    """A layer's weight and input gradients from every step's gate gradients.

    ``input_grads`` and ``state_grads`` hold one ``(steps, batch, hidden)``
    array per gate: the gradients of its input and recurrent products.
    """

    def flat(x: jax.Array) -> jax.Array:
        return x.reshape(-1, x.shape[-1])

    def weight_grad(grads: tuple[jax.Array, ...], values: jax.Array) -> jax.Array:
        return jnp.concatenate([flat(g).T @ flat(values) for g in grads])

    input_weights = jnp.split(layer["input_weight"], len(input_grads))
    grads = {
        "input_weight": weight_grad(input_grads, inputs),
        "recurrent_weight": weight_grad(state_grads, previous),
        "input_bias": jnp.concatenate([g.sum((0, 1)) for g in input_grads]),
        "recurrent_bias": jnp.concatenate([g.sum((0, 1)) for g in state_grads]),
    }
    inputs_grad = sum(g @ w for g, w in zip(input_grads, input_weights, strict=True))
    return grads, inputs_grad


def _gru_forward(layer: Params, inputs: jax.Array) -> tuple[jax.Array, Any]:
    """A GRU layer's outputs and what its backward pass needs: the gates."""
    input_weights, input_biases, recurrent_weights, recurrent_biases = _per_gate(
        layer, 3
    )
    projected = tuple(
        inputs @ w.T + b for w, b in zip(input_weights, input_biases, strict=True)
    )

    def step(state: jax.Array, step_inputs: Any) -> tuple[jax.Array, Any]:
        input_reset, input_update, input_candidate = step_inputs
        state_reset, state_update, state_candidate = (
            state @ w + b
            for w, b in zip(recurrent_weights, recurrent_biases, strict=True)
        )
        reset = jax.nn.sigmoid(input_reset + state_reset)
        update = jax.nn.sigmoid(input_update + state_update)
        candidate = jnp.tanh(input_candidate + reset * state_candidate)
        state = (1 - update) * candidate + update * state
        return state, (state, reset, update, candidate, state_candidate)

    initial = jnp.zeros((inputs.shape[1], recurrent_weights[0].shape[1]), inputs.dtype)
    _, (outputs, *gates) = jax.lax.scan(step, initial, projected)
    return outputs, tuple(gates)


def _gru_backward(
    layer: Params, inputs: jax.Array, outputs: jax.Array, gates: Any, grad: jax.Array
) -> tuple[Params, jax.Array]:
    """The gradients of a GRU layer's weights and inputs, from the forward's gates.

    The scan back over time carries only the state's gradient; the weights'
    and inputs' gradients are then one product over every step.
    """
    recurrent_weight = layer["recurrent_weight"]
    previous = _previous(outputs)

    def step(state_grad: jax.Array, xs: Any) -> tuple[jax.Array, Any]:
        output_grad, reset, update, candidate, state_candidate, before = xs
        state_grad = state_grad + output_grad
        candidate_grad = state_grad * (1 - update) * (1 - candidate * candidate)
        reset_grad = candidate_grad * state_candidate * reset * (1 - reset)
        update_grad = state_grad * (before - candidate) * update * (1 - update)
        state_candidate_grad = candidate_grad * reset
        gate_grads = jnp.concatenate(
            [reset_grad, update_grad, state_candidate_grad], -1
        )
        before_grad = state_grad * update + gate_grads @ recurrent_weight
        return before_grad, (
            reset_grad,
            update_grad,
            candidate_grad,
            state_candidate_grad,
        )

    _, (reset_grad, update_grad, candidate_grad, state_candidate_grad) = jax.lax.scan(
        step, jnp.zeros_like(outputs[0]), (grad, *gates, previous), reverse=True
    )
    return _layer_grads(
        layer,
        inputs,
        previous,
        (reset_grad, update_grad, candidate_grad),
        (reset_grad, update_grad, state_candidate_grad),
    )


def _lstm_forward(layer: Params, inputs: jax.Array) -> tuple[jax.Array, Any]:
    """An LSTM layer's outputs and what its backward pass needs: cells and gates."""
    input_weights, input_biases, recurrent_weights, recurrent_biases = _per_gate(
        layer, 4
    )
    projected = tuple(
        inputs @ w.T + b for w, b in zip(input_weights, input_biases, strict=True)
    )

    def step(carry: tuple[jax.Array, jax.Array], step_inputs: Any) -> Any:
        state, cell = carry
        input_gate, forget_gate, candidate, output_gate = (
            x + state @ w + b
            for x, w, b in zip(
                step_inputs, recurrent_weights, recurrent_biases, strict=True
            )
        )
        input_gate = jax.nn.sigmoid(input_gate)
        forget_gate = jax.nn.sigmoid(forget_gate)
        candidate = jnp.tanh(candidate)
        output_gate = jax.nn.sigmoid(output_gate)
        cell = forget_gate * cell + input_gate * candidate
        state = output_gate * jnp.tanh(cell)
        return (state, cell), (
            state,
            cell,
            input_gate,
            forget_gate,
            candidate,
            output_gate,
        )

    zeros = jnp.zeros((inputs.shape[1], recurrent_weights[0].shape[1]), inputs.dtype)
    _, (outputs, *saved) = jax.lax.scan(step, (zeros, zeros), projected)
    return outputs, tuple(saved)


def _lstm_backward(
    layer: Params, inputs: jax.Array, outputs: jax.Array, saved: Any, grad: jax.Array
) -> tuple[Params, jax.Array]:
    """An LSTM layer's weight and input gradients, as :func:`_gru_backward`."""
    recurrent_weights = jnp.split(layer["recurrent_weight"], 4)
    cells, *gates = saved
    previous = _previous(outputs)

    def step(carry: tuple[jax.Array, jax.Array], xs: Any) -> Any:
        state_grad, cell_grad = carry
        output_grad, cell, cell_before, input_gate, forget_gate, candidate, gate = xs
        state_grad = state_grad + output_grad
        squashed = jnp.tanh(cell)
        cell_grad = cell_grad + state_grad * gate * (1 - squashed * squashed)
        grads = (
            cell_grad * candidate * input_gate * (1 - input_gate),
            cell_grad * cell_before * forget_gate * (1 - forget_gate),
            cell_grad * input_gate * (1 - candidate * candidate),
            state_grad * squashed * gate * (1 - gate),
        )
        before_grad = sum(g @ w for g, w in zip(grads, recurrent_weights, strict=True))
        return (before_grad, cell_grad * forget_gate), grads

    zeros = jnp.zeros_like(outputs[0])
    _, grads = jax.lax.scan(
        step,
        (zeros, zeros),
        (grad, cells, _previous(cells), *gates),
        reverse=True,
    )
    return _layer_grads(layer, inputs, previous, grads, grads)


def _recurrent_layer(
    scan: Callable[[Params, jax.Array, bool], jax.Array],
    forward_pass: Callable[[Params, jax.Array], tuple[jax.Array, Any]],
    backward_pass: Callable[..., tuple[Params, jax.Array]],
) -> Callable[[Params, jax.Array], jax.Array]:
    """A layer with a hand-written backward pass, faster on the CPU.

    The forward pass reads one input array per gate (it runs about twice
    as fast as one that slices the gates out of one array) and, when
    something is differentiated, keeps every step's gates. The backward
    pass is one scan back over time that carries only the state's
    gradient; the weights' and inputs' gradients follow as products over
    every step at once, which XLA's own transpose of the scan does step by
    step. Where the weights are held fixed (a network that only passes a
    gradient through), their gradients are left out.
    """

    @jax.custom_vjp
    def layer_fn(layer: Params, inputs: jax.Array) -> jax.Array:
        return scan(layer, inputs, True)

    def forward(layer: Any, inputs: Any) -> tuple[jax.Array, Any]:
        trained = any(leaf.perturbed for leaf in jax.tree.leaves(layer))
        layer = jax.tree.map(lambda leaf: leaf.value, layer)
        outputs, saved = forward_pass(layer, inputs.value)
        fixed = None if trained else jax.tree.map(jnp.zeros_like, layer)
        return outputs, (layer, inputs.value, outputs, saved, fixed)

    def backward(residuals: Any, grad: jax.Array) -> tuple[Params, jax.Array]:
        layer, inputs, outputs, saved, fixed = residuals
        weight_grads, inputs_grad = backward_pass(layer, inputs, outputs, saved, grad)
        return (weight_grads if fixed is None else fixed), inputs_grad

    layer_fn.defvjp(forward, backward, symbolic_zeros=True)
    return layer_fn


_gru_layer = _recurrent_layer(_gru_scan, _gru_forward, _gru_backward)
_lstm_layer = _recurrent_layer(_lstm_scan, _lstm_forward, _lstm_backward)


def apply_network(
    module: str, params: Params, sequences: jax.Array, squash: bool
) -> jax.Array:
    """Recurrent layers, then one dense layer at every step.

    Args:
        module: ``"gru"`` or ``"lstm"``.
        params: One network's weights.
        sequences: Batch-major ``(batch, steps, features)``.
        squash: Apply a sigmoid to the output (False gives logits).
    """
    layer_fn = _gru_layer if module == "gru" else _lstm_layer
    hidden = jnp.swapaxes(sequences, 0, 1)
    for layer in params["rnn"]:
        hidden = layer_fn(layer, hidden)
    out = hidden @ params["output"]["weight"].T + params["output"]["bias"]
    out = jnp.swapaxes(out, 0, 1)
    return jax.nn.sigmoid(out) if squash else out


# -- losses ------------------------------------------------------------------


def supervised_loss(latent: jax.Array, predicted: jax.Array) -> jax.Array:
    """Error of the supervisor's prediction of each latent step from the ones before."""
    return jnp.mean((predicted[:, :-1] - latent[:, 1:]) ** 2)


def moment_loss(synthetic: jax.Array, real: jax.Array) -> jax.Array:
    """Gap between the batch's standard deviations and means, per step and feature."""
    spread = jnp.abs(
        jnp.sqrt(synthetic.var(axis=0) + VARIANCE_EPSILON)
        - jnp.sqrt(real.var(axis=0) + VARIANCE_EPSILON)
    )
    return spread.mean() + jnp.abs(synthetic.mean(axis=0) - real.mean(axis=0)).mean()


def _is_real(logits: jax.Array, real: bool) -> jax.Array:
    labels = jnp.full_like(logits, 1.0 if real else 0.0)
    return optax.sigmoid_binary_cross_entropy(logits, labels).mean()


def _adam() -> optax.GradientTransformation:
    return optax.adam(LEARNING_RATE, b1=ADAM_BETAS[0], b2=ADAM_BETAS[1])


def _update(
    params: Params,
    grads: Params,
    opt_state: optax.OptState,
) -> tuple[Params, optax.OptState]:
    """One Adam update of the networks in ``grads`` (a subset of ``params``)."""
    trainable = {name: params[name] for name in grads}
    updates, opt_state = _adam().update(grads, opt_state, trainable)
    return {**params, **optax.apply_updates(trainable, updates)}, opt_state


def _subset(params: Params, *names: str) -> Params:
    return {name: params[name] for name in names}


# -- steps -------------------------------------------------------------------


@dataclass(frozen=True)
class _Joint:
    """The joint phase's carry: weights and one Adam state per optimizer."""

    params: Params
    generator_state: optax.OptState
    embedder_state: optax.OptState
    discriminator_state: optax.OptState


jax.tree_util.register_dataclass(
    _Joint,
    data_fields=["params", "generator_state", "embedder_state", "discriminator_state"],
    meta_fields=[],
)


class TimeGANSteps:
    """The training steps for one recurrent cell, compiled once and shared.

    Every ``*_chunk`` method runs ``count`` iterations in one compiled call:
    ``indices`` holds each iteration's batches of window indices (padded to
    the chunk length, so one compilation serves a whole phase) and ``key``
    the chunk's randomness. It returns the new carry and the summed losses.
    Get an instance with :func:`steps_for`.
    """

    def __init__(self, module: str) -> None:
        self.module = module
        self.autoencoder_chunk = self._chunk(self.autoencoder_step, 1)
        self.supervised_chunk = self._chunk(self.supervised_step, 1)
        self.joint_chunk = self._chunk(self.joint_step, len(JOINT_LOSSES))
        self.generate = jax.jit(self._generate, static_argnums=2)

    def apply(self, name: str, params: Params, sequences: jax.Array) -> jax.Array:
        """Run network ``name`` (only the discriminator gives logits)."""
        return apply_network(
            self.module, params[name], sequences, squash=name != "discriminator"
        )

    @staticmethod
    def _chunk(step: Callable[..., Any], n_losses: int) -> Callable[..., Any]:
        def run(
            carry: Any,
            data: jax.Array,
            indices: jax.Array,
            count: jax.Array,
            key: jax.Array,
        ) -> tuple[Any, jax.Array]:
            def body(i: jax.Array, inner: tuple[Any, jax.Array]) -> Any:
                carry, total = inner
                batches = data[indices[i]]
                carry, losses = step(carry, batches, jax.random.fold_in(key, i))
                return carry, total + losses

            return jax.lax.fori_loop(0, count, body, (carry, jnp.zeros(n_losses)))

        return jax.jit(run)

    # Phase 1 -----------------------------------------------------------------

    def autoencoder_step(
        self, carry: tuple[Params, optax.OptState], batches: jax.Array, key: jax.Array
    ) -> tuple[tuple[Params, optax.OptState], jax.Array]:
        """One update of embedder and recovery; the loss is the reconstruction MSE."""
        params, opt_state = carry
        windows = batches[0]

        def objective(trainable: Params) -> tuple[jax.Array, jax.Array]:
            latent = self.apply("embedder", trainable, windows)
            reconstruction = jnp.mean(
                (self.apply("recovery", trainable, latent) - windows) ** 2
            )
            return RECONSTRUCTION_WEIGHT * jnp.sqrt(reconstruction), reconstruction

        trainable = _subset(params, "embedder", "recovery")
        grads, reconstruction = jax.grad(objective, has_aux=True)(trainable)
        return _update(params, grads, opt_state), reconstruction[None]

    # Phase 2 -----------------------------------------------------------------

    def supervised_step(
        self, carry: tuple[Params, optax.OptState], batches: jax.Array, key: jax.Array
    ) -> tuple[tuple[Params, optax.OptState], jax.Array]:
        """One update of the supervisor on real latents; returns its loss."""
        params, opt_state = carry
        latent = self.apply("embedder", params, batches[0])

        def objective(trainable: Params) -> jax.Array:
            return supervised_loss(latent, self.apply("supervisor", trainable, latent))

        trainable = _subset(params, "supervisor")
        loss, grads = jax.value_and_grad(objective)(trainable)
        return _update(params, grads, opt_state), loss[None]

    # Phase 3 -----------------------------------------------------------------

    def generator_step(
        self,
        params: Params,
        opt_state: optax.OptState,
        windows: jax.Array,
        latent: jax.Array,
        noise: jax.Array,
    ) -> tuple[Params, optax.OptState, jax.Array]:
        """One update of generator and supervisor.

        The objective adds the adversarial losses of the supervised and the
        raw generated latents, the supervised loss on real latents
        (``latent``, the embedder's of ``windows``) and the moment gap of the
        recovered windows. Returns the total, adversarial, supervised and
        moment losses, stacked.
        """
        n = windows.shape[0]

        def objective(trainable: Params) -> tuple[jax.Array, jax.Array]:
            networks = {**params, **trainable}
            raw_latent = self.apply("generator", networks, noise)
            # Networks run once on stacked batches: on small batches a
            # recurrent pass costs its per-step overhead, not its arithmetic.
            stacked = self.apply(
                "supervisor", networks, jnp.concatenate([raw_latent, latent])
            )
            synthetic_latent, predicted = stacked[:n], stacked[n:]
            synthetic = self.apply("recovery", networks, synthetic_latent)
            logits = self.apply(
                "discriminator",
                networks,
                jnp.concatenate([synthetic_latent, raw_latent]),
            )
            adversarial = _is_real(logits[:n], True)
            adversarial_raw = _is_real(logits[n:], True)
            supervised = supervised_loss(latent, predicted)
            moments = moment_loss(synthetic, windows)
            total = (
                adversarial
                + GAMMA * adversarial_raw
                + GENERATOR_SUPERVISED_WEIGHT * jnp.sqrt(supervised)
                + MOMENT_WEIGHT * moments
            )
            return total, jnp.stack([total, adversarial, supervised, moments])

        trainable = _subset(params, "generator", "supervisor")
        grads, losses = jax.grad(objective, has_aux=True)(trainable)
        return *_update(params, grads, opt_state), losses

    def embedder_step(
        self,
        params: Params,
        opt_state: optax.OptState,
        windows: jax.Array,
        latent: jax.Array,
        embedder_vjp: Callable[[jax.Array], tuple[Params]],
    ) -> tuple[Params, optax.OptState, jax.Array]:
        """One update of embedder and recovery; returns the reconstruction MSE.

        The objective adds a tenth of the supervised loss, so the latent
        space stays one whose steps the supervisor can predict. ``latent``
        is the embedder's of ``windows`` and ``embedder_vjp`` carries a
        gradient on it back to the embedder's weights (``jax.vjp``): the
        generator step before this one ran the embedder on the same windows
        with the same weights, and this reuses that pass.
        """

        def objective(
            recovery: Params, latent: jax.Array
        ) -> tuple[jax.Array, jax.Array]:
            networks = {**params, "recovery": recovery}
            reconstruction = jnp.mean(
                (self.apply("recovery", networks, latent) - windows) ** 2
            )
            supervised = supervised_loss(
                latent, self.apply("supervisor", networks, latent)
            )
            loss = (
                RECONSTRUCTION_WEIGHT * jnp.sqrt(reconstruction)
                + EMBEDDER_SUPERVISED_WEIGHT * supervised
            )
            return loss, reconstruction

        (recovery_grads, latent_grads), reconstruction = jax.grad(
            objective, argnums=(0, 1), has_aux=True
        )(params["recovery"], latent)
        (embedder_grads,) = embedder_vjp(latent_grads)
        grads = {"embedder": embedder_grads, "recovery": recovery_grads}
        return *_update(params, grads, opt_state), reconstruction

    def discriminator_step(
        self,
        params: Params,
        opt_state: optax.OptState,
        windows: jax.Array,
        noise: jax.Array,
    ) -> tuple[Params, optax.OptState, jax.Array]:
        """Update the discriminator if its loss is above the threshold.

        Returns the discriminator's loss before the update, whether or not
        one was kept.
        """
        n = windows.shape[0]
        latent = self.apply("embedder", params, windows)
        raw_latent = self.apply("generator", params, noise)
        synthetic_latent = self.apply("supervisor", params, raw_latent)
        stacked = jnp.concatenate([latent, synthetic_latent, raw_latent])

        def objective(trainable: Params) -> jax.Array:
            logits = self.apply("discriminator", trainable, stacked)
            return (
                _is_real(logits[:n], True)
                + _is_real(logits[n : 2 * n], False)
                + GAMMA * _is_real(logits[2 * n :], False)
            )

        trainable = _subset(params, "discriminator")
        loss, grads = jax.value_and_grad(objective)(trainable)
        updated, updated_state = _update(params, grads, opt_state)
        keep = loss > DISCRIMINATOR_THRESHOLD
        params, opt_state = jax.tree.map(
            lambda new, old: jnp.where(keep, new, old),
            (updated, updated_state),
            (params, opt_state),
        )
        return params, opt_state, loss

    def joint_step(
        self, carry: _Joint, batches: jax.Array, key: jax.Array
    ) -> tuple[_Joint, jax.Array]:
        """Two generator and embedder steps, then one discriminator step.

        ``batches`` holds three batches of windows: one per generator step
        and one for the discriminator.
        """
        noise_keys = jax.random.split(key, GENERATOR_STEPS_PER_ITERATION + 1)

        def generator_and_embedder(
            inner: tuple[Params, optax.OptState, optax.OptState],
            batch: tuple[jax.Array, jax.Array],
        ) -> tuple[tuple[Params, optax.OptState, optax.OptState], jax.Array]:
            params, generator_state, embedder_state = inner
            windows, noise_key = batch
            noise = jax.random.uniform(noise_key, windows.shape)
            # The generator step leaves the embedder as it is, so both
            # steps share one pass of it over the windows.
            latent, embedder_vjp = jax.vjp(
                lambda embedder: self.apply(
                    "embedder", {"embedder": embedder}, windows
                ),
                params["embedder"],
            )
            params, generator_state, generator_losses = self.generator_step(
                params, generator_state, windows, latent, noise
            )
            params, embedder_state, reconstruction = self.embedder_step(
                params, embedder_state, windows, latent, embedder_vjp
            )
            losses = jnp.concatenate([generator_losses, reconstruction[None]])
            return (params, generator_state, embedder_state), losses

        # A scan, not a Python loop: the two steps compile once, which
        # halves the joint phase's compilation time.
        inner = (carry.params, carry.generator_state, carry.embedder_state)
        steps = GENERATOR_STEPS_PER_ITERATION
        (params, generator_state, embedder_state), losses = jax.lax.scan(
            generator_and_embedder, inner, (batches[:steps], noise_keys[:steps])
        )
        noise = jax.random.uniform(noise_keys[-1], batches.shape[1:])
        params, discriminator_state, discriminator = self.discriminator_step(
            params, carry.discriminator_state, batches[-1], noise
        )
        carry = _Joint(params, generator_state, embedder_state, discriminator_state)
        return carry, jnp.concatenate([losses.mean(axis=0), discriminator[None]])

    # Generation --------------------------------------------------------------

    def _generate(
        self, params: Params, key: jax.Array, shape: tuple[int, int, int]
    ) -> jax.Array:
        noise = jax.random.uniform(key, shape)
        latent = self.apply(
            "supervisor", params, self.apply("generator", params, noise)
        )
        return self.apply("recovery", params, latent)


@functools.cache
def steps_for(module: str) -> TimeGANSteps:
    """The compiled steps for ``module``, built once per process."""
    return TimeGANSteps(module)


def generate_batch(
    module: str, params: Params, key: jax.Array, n: int, seq_len: int, n_features: int
) -> np.ndarray:
    """``(n, seq_len, n_features)`` synthetic windows in [0, 1], drawn from ``key``."""
    padded = _power_of_two(n, SMALLEST_GENERATE_BATCH)
    windows = steps_for(module).generate(params, key, (padded, seq_len, n_features))
    return np.asarray(windows, dtype=np.float32)[:n]


# -- batches and phases ------------------------------------------------------


class WindowBatches:
    """Batch indices drawn in shuffled passes over the windows.

    Every window appears once per pass; a batch that straddles two passes
    takes the end of one and the start of the next, so batches are always
    full.
    """

    def __init__(
        self, n_windows: int, batch_size: int, rng: np.random.Generator
    ) -> None:
        self._n = n_windows
        self._batch_size = batch_size
        self._rng = rng
        self._order = rng.permutation(n_windows)
        self._position = 0

    def next(self) -> np.ndarray:
        stop = self._position + self._batch_size
        if stop <= self._n:
            index = self._order[self._position : stop]
            self._position = stop
            return index
        rest = self._order[self._position :]
        self._order = self._rng.permutation(self._n)
        self._position = self._batch_size - len(rest)
        return np.concatenate([rest, self._order[: self._position]])

    def plan(self, iterations: int, per_iteration: int, padded: int) -> np.ndarray:
        """``(padded, per_iteration, batch)`` indices, the first ``iterations`` real."""
        plan = np.zeros((padded, per_iteration, self._batch_size), dtype=np.int32)
        for i in range(iterations):
            for j in range(per_iteration):
                plan[i, j] = self.next()
        return plan


@dataclass
class _Phase:
    """One training phase: its compiled chunk, carry and batches per iteration."""

    stage: str
    chunk: Callable[..., Any]
    carry: Any
    per_iteration: int
    loss_names: tuple[str, ...]

    def params(self) -> Params:
        return self.carry.params if isinstance(self.carry, _Joint) else self.carry[0]


def _power_of_two(n: int, smallest: int = 1) -> int:
    """The smallest power of two that is at least ``n`` and ``smallest``."""
    return max(smallest, 1 << max(0, n - 1).bit_length())


# -- weights <-> backend-neutral arrays --------------------------------------


def network_arrays(params: Params) -> dict[str, np.ndarray]:
    """Every weight as a float32 numpy array under its backend-neutral name."""
    arrays = {}
    for name in NETWORK_NAMES:
        for layer, entries in enumerate(params[name]["rnn"]):
            for entry in RNN_ENTRIES:
                key = f"{name}.rnn.layers.{layer}.{entry}"
                arrays[key] = np.asarray(entries[entry], dtype=np.float32).copy()
        for entry in ("weight", "bias"):
            value = params[name]["output"][entry]
            arrays[f"{name}.output.{entry}"] = np.asarray(value, np.float32).copy()
    return arrays


def load_network_arrays(template: Params, arrays: Mapping[str, np.ndarray]) -> Params:
    """Weights shaped like ``template`` with values from :func:`network_arrays`.

    Raises:
        ModelFileError: An array is missing or has the wrong shape.
    """
    loaded = network_arrays(template)
    for key, expected in loaded.items():
        if key not in arrays:
            raise ModelFileError(
                f"The model file has no array {key!r}; it was not written by a "
                "compatible version of TimeGAN."
            )
        value = np.asarray(arrays[key], dtype=np.float32)
        if value.shape != expected.shape:
            raise ModelFileError(
                f"Array {key!r} in the model file has shape {value.shape}; the "
                f"network expects {expected.shape}, so the file does not match its "
                "own config."
            )
        loaded[key] = value
    return _params_from_arrays(
        loaded, {name: len(template[name]["rnn"]) for name in NETWORK_NAMES}
    )


def parameter_count(params: Params) -> int:
    """Number of trainable values in ``params``."""
    return sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(params))


# -- the generator -----------------------------------------------------------


class TimeGANGenerator:
    """TimeGAN on JAX, registered as method ``"timegan"``, backend ``"jax"``.

    Users reach it through :class:`genesis.generators.timeseries.TimeGANGenerator`,
    which checks and scales the data; this class sees windows in [0, 1].
    The first fit in a process compiles the training steps (seconds); later
    fits with the same shapes reuse them.

    Args:
        config: Keys of :data:`genesis.generators.timeseries.TIMEGAN_CONFIG_SPEC`.
        seed: Makes fit and generate reproducible on one device.
        device: ``"cpu"``, ``"cuda"`` (or ``"gpu"``) or ``"auto"`` (None).

    Attributes:
        loss_history_: Mean losses per stage and report.
        interrupted_: True when Ctrl-C stopped the fit early.
        iterations_: Iterations planned per phase.
        seconds_per_iteration_: Wall seconds per iteration of each phase run,
            compilation included.
    """

    method: ClassVar[str] = "timegan"
    backend: ClassVar[str] = "jax"
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
        self._params: Params | None = None

    def fit(
        self, windows: np.ndarray, *, progress: ProgressCallback | None = None
    ) -> None:
        """Learn ``(n_windows, seq_len, n_features)`` windows in [0, 1].

        Ctrl-C stops after the current compiled chunk of iterations; the
        model keeps what it learned before it.

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
        batch_size = min(self.config["batch_size"], n_windows)
        steps_per_epoch = -(-n_windows // batch_size)
        self.iterations_ = self.config["iterations"] or (
            self.config["epochs"] * steps_per_epoch
        )
        params = jax.device_put(
            init_networks(rng, self.config, self.n_features_), self.device
        )
        self._params = params
        padded = np.zeros((_power_of_two(n_windows), *windows.shape[1:]), np.float32)
        padded[:n_windows] = windows
        data = jax.device_put(padded, self.device)
        batches = WindowBatches(n_windows, batch_size, rng)
        phase_keys = jax.random.split(key_from_rng(rng), len(STAGES))
        self._log_start(n_windows)

        report_every = min(steps_per_epoch, self.iterations_)
        try:
            for stage, key in zip(STAGES, phase_keys, strict=True):
                phase = self._phase(stage, self._fitted())
                started = time.perf_counter()
                self._run_phase(phase, data, batches, key, report_every, progress)
                elapsed = time.perf_counter() - started
                self.seconds_per_iteration_[stage] = elapsed / self.iterations_
        except KeyboardInterrupt:
            self.interrupted_ = True
            logger.warning(
                "TimeGAN training interrupted in the %s phase; the model keeps what "
                "it learned and can generate.",
                self.loss_history_[-1]["stage"] if self.loss_history_ else AUTOENCODER,
            )

    def _phase(self, stage: str, params: Params) -> _Phase:
        """The compiled chunk and fresh optimizer states for ``stage``."""
        steps = steps_for(self.config["module"])
        adam = _adam()
        if stage == AUTOENCODER:
            state = adam.init(_subset(params, "embedder", "recovery"))
            return _Phase(
                stage, steps.autoencoder_chunk, (params, state), 1, ("reconstruction",)
            )
        if stage == SUPERVISED:
            state = adam.init(_subset(params, "supervisor"))
            return _Phase(
                stage, steps.supervised_chunk, (params, state), 1, ("supervised",)
            )
        carry = _Joint(
            params,
            adam.init(_subset(params, "generator", "supervisor")),
            adam.init(_subset(params, "embedder", "recovery")),
            adam.init(_subset(params, "discriminator")),
        )
        per_iteration = GENERATOR_STEPS_PER_ITERATION + 1
        return _Phase(stage, steps.joint_chunk, carry, per_iteration, JOINT_LOSSES)

    def _run_phase(
        self,
        phase: _Phase,
        data: jax.Array,
        batches: WindowBatches,
        key: jax.Array,
        report_every: int,
        progress: ProgressCallback | None,
    ) -> None:
        """Run the phase in compiled chunks, reporting every ``report_every``.

        The weights are kept after every chunk, so Ctrl-C leaves the last
        chunk's.
        """
        done, total = 0, self.iterations_
        since_report, sums = 0, None
        put = functools.partial(jax.device_put, device=self.device)
        # Committed arguments every time: a mix of committed and uncommitted
        # arrays between calls would compile the chunk twice.
        phase.carry = put(phase.carry)
        for chunk in itertools.count():
            if done == total:
                break
            count = min(CHUNK_ITERATIONS, total - done, report_every - since_report)
            plan = batches.plan(count, phase.per_iteration, CHUNK_ITERATIONS)
            phase.carry, chunk_sums = phase.chunk(
                phase.carry,
                data,
                put(plan),
                put(np.int32(count)),
                put(jax.random.fold_in(key, chunk)),
            )
            self._params = phase.params()
            done += count
            since_report += count
            sums = chunk_sums if sums is None else sums + chunk_sums
            if since_report == report_every or done == total:
                self._report(phase, done, np.asarray(sums) / since_report, progress)
                since_report, sums = 0, None

    def _report(
        self,
        phase: _Phase,
        done: int,
        means: np.ndarray,
        progress: ProgressCallback | None,
    ) -> None:
        losses = dict(zip(phase.loss_names, means.tolist(), strict=True))
        self.loss_history_.append({"stage": phase.stage, "iteration": done, **losses})
        logger.debug(
            "%s %d/%d: %s",
            phase.stage,
            done,
            self.iterations_,
            ", ".join(f"{k} {v:.4f}" for k, v in losses.items()),
        )
        if progress is not None:
            progress(ProgressEvent(phase.stage, done, self.iterations_, losses))

    def _log_start(self, n_windows: int) -> None:
        logger.info(
            "TimeGAN on %s: %d windows, %d network parameters, %d iterations in "
            "each of the three phases.",
            self.device,
            n_windows,
            parameter_count(self._fitted()),
            self.iterations_,
        )

    def _fitted(self) -> Params:
        if self._params is None:
            raise NotFittedError(
                "This TimeGAN generator is not fitted yet; call fit before generate "
                "or get_state."
            )
        return self._params

    def generate(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``(n, seq_len, n_features)`` float32 windows in [0, 1]."""
        params = self._fitted()
        key = key_from_rng(rng)
        parts = [
            generate_batch(
                self.config["module"],
                params,
                jax.random.fold_in(key, start),
                min(GENERATE_BATCH, n - start),
                self.seq_len_,
                self.n_features_,
            )
            for start in range(0, n, GENERATE_BATCH)
        ]
        if not parts:
            return np.zeros((0, self.seq_len_, self.n_features_), dtype=np.float32)
        return np.concatenate(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        # Through the saved state: a JAX device does not pickle.
        saved = self.get_state() if self._params is not None else None
        return (
            rebuild_from_state,
            (type(self), self.config, self.seed, self._asked_device, saved),
        )

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Weights under backend-neutral names, and the fit's record as JSON."""
        params = self._fitted()
        state = {
            "version": STATE_VERSION,
            "seed": self.seed,
            "seq_len": self.seq_len_,
            "n_features": self.n_features_,
            "iterations": self.iterations_,
            "loss_history": self.loss_history_,
            "interrupted": self.interrupted_,
        }
        return network_arrays(params), state

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None = None,
    ) -> Self:
        """Rebuild a fitted generator saved by :meth:`get_state`.

        Raises:
            ModelFileError: The state has another version, or an array is
                missing or misshapen.
        """
        if state.get("version") != STATE_VERSION:
            raise ModelFileError(
                f"The saved timegan state has version {state.get('version')!r}; "
                f"this genesis-jax reads version {STATE_VERSION}. Fit the model "
                "again with this version."
            )
        generator = cls(config, seed=state.get("seed"), device=device)
        generator.seq_len_ = int(state["seq_len"])
        generator.n_features_ = int(state["n_features"])
        generator.iterations_ = int(state["iterations"])
        generator.loss_history_ = list(state["loss_history"])
        generator.interrupted_ = bool(state["interrupted"])
        template = init_networks(
            np.random.default_rng(0), generator.config, generator.n_features_
        )
        generator._params = jax.device_put(
            load_network_arrays(template, arrays), generator.device
        )
        return generator
