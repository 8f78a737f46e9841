"""Entry point of the ``genesis`` plugin group: registers the torch generators.

The classes are registered by import path: torch is imported only when the
torch backend is chosen, so the copula and the other backends do not pay for
it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genesis.hookspecs import hookimpl

if TYPE_CHECKING:
    from genesis.plugins import GeneratorRegistry

BACKEND = "torch"
IMPLEMENTATIONS = {
    "ctgan": "genesis_torch.ctgan:CTGANGenerator",
    "tvae": "genesis_torch.tvae:TVAEGenerator",
    "timegan": "genesis_torch.timegan:TimeGANGenerator",
}


@hookimpl
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    """Register CTGAN, TVAE and TimeGAN under backend ``"torch"``."""
    for method, target in IMPLEMENTATIONS.items():
        registry.register_lazy(method, BACKEND, target)
