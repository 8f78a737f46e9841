"""Hook specifications of the ``genesis`` plugin system.

A plugin is an installed distribution with an entry point in the group
``genesis`` that names a module (or object) holding functions marked with
:data:`hookimpl`. Genesis loads every such entry point when its registry is
first built. Our own backends register exactly this way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from genesis._registry import (
        GeneratorRegistry,
        ProviderRegistry,
        TransformerRegistry,
    )

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "genesis"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    """Add this plugin's generator implementations to ``registry``.

    Called once, when the registry is first built. Register each class with
    ``registry.register(cls)``; the class names its ``method`` and
    ``backend``. A (method, backend) pair that is already taken raises
    PluginConflictError naming both plugins. Every plugin is called; the
    return value is ignored.
    """


@hookspec
def genesis_register_text_providers(registry: ProviderRegistry) -> None:
    """Add this plugin's LLM text providers to ``registry``.

    Called once, when the registry is first built. Register each provider
    class under its ``name``; a name that is already taken raises
    PluginConflictError. Every plugin is called; the return value is ignored.
    """


@hookspec
def genesis_register_transformers(registry: TransformerRegistry) -> None:
    """Add column transformers for column types to ``registry``.

    Called once, when the registry is first built. Optional: most plugins
    only register generators. A column type that already has a transformer
    raises PluginConflictError. Every plugin is called.
    """
