"""Entry point of the ``genesis`` plugin group: registers CTGAN and TVAE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from genesis.hookspecs import hookimpl
from genesis_torch.ctgan import CTGANGenerator
from genesis_torch.timegan import TimeGANGenerator
from genesis_torch.tvae import TVAEGenerator

if TYPE_CHECKING:
    from genesis.plugins import GeneratorRegistry


@hookimpl
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    """Register CTGAN and TVAE under backend ``"torch"``."""
    registry.register(CTGANGenerator)
    registry.register(TVAEGenerator)
    registry.register(TimeGANGenerator)
