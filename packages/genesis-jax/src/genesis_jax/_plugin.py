"""Entry point of the ``genesis`` plugin group: registers the JAX generators.

The classes are registered by import path: jax and flax are imported only
when the jax backend is chosen, so having this package installed costs other
runs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genesis.hookspecs import hookimpl

if TYPE_CHECKING:
    from genesis.plugins import GeneratorRegistry

BACKEND = "jax"
IMPLEMENTATIONS = {
    "ctgan": "genesis_jax.ctgan:CTGANGenerator",
    "tvae": "genesis_jax.tvae:TVAEGenerator",
    "timegan": "genesis_jax.timegan:TimeGANGenerator",
}


@hookimpl
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    """Register CTGAN, TVAE and TimeGAN under backend ``"jax"``."""
    for method, target in IMPLEMENTATIONS.items():
        registry.register_lazy(method, BACKEND, target)
