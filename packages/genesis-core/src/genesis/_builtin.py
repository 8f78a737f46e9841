"""The core's own plugin: it registers the Gaussian copula like any plugin."""

from __future__ import annotations

from genesis._copula import GaussianCopulaGenerator
from genesis._registry import GeneratorRegistry
from genesis.hookspecs import hookimpl


@hookimpl
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    registry.register(GaussianCopulaGenerator)
