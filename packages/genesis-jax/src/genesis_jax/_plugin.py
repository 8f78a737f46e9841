"""Entry point of the ``genesis`` plugin group: registers the JAX generators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from genesis.hookspecs import hookimpl
from genesis_jax.ctgan import CTGANGenerator
from genesis_jax.timegan import TimeGANGenerator
from genesis_jax.tvae import TVAEGenerator

if TYPE_CHECKING:
    from genesis.plugins import GeneratorRegistry


@hookimpl
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    """Register CTGAN, TVAE and TimeGAN under backend ``"jax"``."""
    registry.register(CTGANGenerator)
    registry.register(TVAEGenerator)
    registry.register(TimeGANGenerator)
