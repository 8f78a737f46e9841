"""Plugin discovery and the registries of generators, providers and transformers.

Every installed distribution with an entry point in the group ``genesis`` is a
plugin. The registry is built once, on first use: each entry point is loaded
on its own, so one that fails to import, implements a hook that has no
specification (a misspelt name), or raises in a hook is recorded with its
error, and the others still work. Backend choice happens in :func:`resolve_backend` and
nowhere else.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any

import pluggy

from genesis import hookspecs
from genesis._config import plain_name
from genesis.errors import (
    BackendNotAvailableError,
    PluginConflictError,
    UnknownMethodError,
)

__all__ = [
    "BACKEND_PREFERENCE",
    "CORE_BACKEND",
    "ENTRY_POINT_GROUP",
    "GeneratorRegistry",
    "PluginInfo",
    "ProviderRegistry",
    "TransformerRegistry",
    "get_registry",
    "install_line",
    "reset_registry",
    "resolve_backend",
    "resolve_provider",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "genesis"
BACKEND_ENV = "GENESIS_BACKEND"
BACKEND_PREFERENCE = ("torch", "jax")
# Methods the torch and jax backends provide, for the install advice.
BACKEND_METHODS = ("ctgan", "tvae", "timegan")
CORE_BACKEND = "numpy"
# Text providers genesis-synth-llm provides, each behind its own extra.
LLM_PROVIDERS = ("openai", "anthropic", "huggingface")
_DISTRIBUTIONS = {
    "torch": "genesis-synth-torch",
    "jax": "genesis-synth-jax",
    "openai": "genesis-synth-llm[openai]",
    "anthropic": "genesis-synth-llm[anthropic]",
    "huggingface": "genesis-synth-llm[huggingface]",
}


def install_line(name: str) -> str:
    """The ``pip install`` line that provides a backend or text provider."""
    distribution = _DISTRIBUTIONS.get(name, f"a plugin providing {name!r}")
    return f'pip install "{distribution}"'


@dataclass
class PluginInfo:
    """One entry point of the ``genesis`` group, loaded or not."""

    name: str
    distribution: str
    version: str
    error: str | None = None
    generators: list[tuple[str, str]] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    transformers: list[str] = field(default_factory=list)


class _NamedRegistry:
    """Names to objects, each remembering the plugin that registered it."""

    kind = "item"

    def __init__(self) -> None:
        self._items: dict[Any, tuple[Any, str]] = {}
        self.current_plugin = "genesis"

    def _add(self, key: Any, item: Any) -> None:
        if key in self._items:
            _, owner = self._items[key]
            raise PluginConflictError(
                f"The {self.kind} {key!r} is registered by both plugin {owner!r} and "
                f"plugin {self.current_plugin!r}; uninstall one of them."
            )
        self._items[key] = (item, self.current_plugin)

    def owner(self, key: Any) -> str:
        return self._items[key][1]

    def forget(self, plugin: str) -> None:
        """Remove every item ``plugin`` registered."""
        self._items = {
            key: (item, owner)
            for key, (item, owner) in self._items.items()
            if owner != plugin
        }

    def __contains__(self, key: Any) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


class GeneratorRegistry(_NamedRegistry):
    """Generator implementations keyed by (method, backend)."""

    kind = "generator"

    def register(self, implementation: type) -> None:
        """Register a class that has ``method`` and ``backend`` class attributes."""
        method = getattr(implementation, "method", None)
        backend = getattr(implementation, "backend", None)
        if not isinstance(method, str) or not isinstance(backend, str):
            raise PluginConflictError(
                f"Plugin {self.current_plugin!r} registered {implementation!r}, which "
                "lacks the string class attributes 'method' and 'backend'."
            )
        self._add((method, backend), implementation)

    def register_lazy(self, method: str, backend: str, target: str) -> None:
        """Register an implementation by its import path, imported on first use.

        A framework such as jax or torch takes seconds and hundreds of
        megabytes to import; a plugin that registers ``"module:Class"``
        costs nothing until its backend is actually chosen, so installing a
        second backend does not slow down or enlarge every other run.

        Args:
            method: The method the class implements, e.g. ``"ctgan"``.
            backend: Its backend, e.g. ``"jax"``.
            target: ``"package.module:ClassName"``; the class must have the
                same ``method`` and ``backend`` class attributes.
        """
        module, _, name = target.partition(":")
        if not all(isinstance(v, str) and v for v in (method, backend, module, name)):
            raise PluginConflictError(
                f"Plugin {self.current_plugin!r} registered {target!r} for "
                f"({method!r}, {backend!r}); give strings and a 'module:Class' path."
            )
        self._add((method, backend), _LazyImplementation(method, backend, target))

    def get(self, method: str, backend: str) -> type:
        """The implementation class; a lazily registered one is imported now.

        Raises:
            BackendNotAvailableError: A lazily registered class fails to
                import (its framework is broken or missing).
        """
        item, owner = self._items[(method, backend)]
        if isinstance(item, _LazyImplementation):
            item = item.load(owner)
            self._items[(method, backend)] = (item, owner)
        return item

    def methods(self) -> list[str]:
        return sorted({method for method, _ in self._items})

    def backends_for(self, method: str) -> list[str]:
        return sorted(backend for m, backend in self._items if m == method)

    def backends(self) -> list[str]:
        """Every backend some installed plugin registers a method on."""
        return sorted({backend for _, backend in self._items})


@dataclass(frozen=True)
class _LazyImplementation:
    """A generator class known by its import path until it is first used."""

    method: str
    backend: str
    target: str

    def load(self, owner: str) -> type:
        module_name, _, name = self.target.partition(":")
        try:
            implementation = getattr(importlib.import_module(module_name), name)
        except Exception as error:
            raise BackendNotAvailableError(
                f"Plugin {owner!r} provides {self.method!r} on backend "
                f"{self.backend!r} through {self.target!r}, which failed to import: "
                f"{type(error).__name__}: {error}. Reinstall it: "
                f"{install_line(self.backend)}"
            ) from error
        if (
            getattr(implementation, "method", None) != self.method
            or getattr(implementation, "backend", None) != self.backend
        ):
            raise PluginConflictError(
                f"Plugin {owner!r} registered {self.target!r} as ({self.method!r}, "
                f"{self.backend!r}), but the class says "
                f"({getattr(implementation, 'method', None)!r}, "
                f"{getattr(implementation, 'backend', None)!r})."
            )
        return implementation


class ProviderRegistry(_NamedRegistry):
    """LLM text providers keyed by name."""

    kind = "text provider"

    def register(self, name: str, provider: type) -> None:
        self._add(name, provider)

    def get(self, name: str) -> type:
        return self._items[name][0]


class TransformerRegistry(_NamedRegistry):
    """Column transformers keyed by column type."""

    kind = "column transformer"

    def register(self, column_type: str, transformer: type) -> None:
        self._add(column_type, transformer)

    def get(self, column_type: str) -> type:
        return self._items[column_type][0]


@dataclass
class Registry:
    """Everything the installed plugins provide."""

    generators: GeneratorRegistry
    providers: ProviderRegistry
    transformers: TransformerRegistry
    plugins: list[PluginInfo]


_lock = threading.Lock()
_registry: Registry | None = None


def get_registry() -> Registry:
    """Build the registry on first use and return it."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = _build_registry()
        return _registry


def reset_registry() -> None:
    """Forget the registry, so the next use discovers plugins again."""
    global _registry
    with _lock:
        _registry = None


def _build_registry() -> Registry:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    plugins: list[PluginInfo] = []
    for entry_point in sorted(
        importlib_metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    ):
        info = _plugin_info(entry_point)
        plugins.append(info)
        module = None
        try:
            module = entry_point.load()
            manager.register(module, name=entry_point.name)
            # A hook whose name matches no specification (a typo) would never
            # be called, and the plugin would be listed as fine.
            manager.check_pending()
        # A third-party plugin can fail in any way while importing; report it
        # and keep the other plugins working.
        except Exception as exc:  # noqa: BLE001
            if module is not None and manager.get_plugin(entry_point.name) is module:
                manager.unregister(module)
            info.error = f"{type(exc).__name__}: {exc}"
            logger.warning("Plugin %r failed to load: %s", entry_point.name, info.error)

    registry = Registry(
        GeneratorRegistry(), ProviderRegistry(), TransformerRegistry(), plugins
    )
    by_name = {info.name: info for info in plugins}
    calls = (
        ("genesis_register_generators", registry.generators),
        ("genesis_register_text_providers", registry.providers),
        ("genesis_register_transformers", registry.transformers),
    )
    for hook_name, target in calls:
        for hook in getattr(manager.hook, hook_name).get_hookimpls():
            target.current_plugin = hook.plugin_name
            try:
                hook.function(registry=target)
            except PluginConflictError:
                raise
            # As on import: a third-party hook can fail in any way; report it,
            # withdraw what that plugin registered, and keep the others.
            except Exception as exc:  # noqa: BLE001
                _withdraw(registry, manager, hook.plugin_name)
                failed = by_name[hook.plugin_name]
                failed.error = f"{hook_name}: {type(exc).__name__}: {exc}"
                logger.warning(
                    "Plugin %r failed in %s: %s: %s",
                    hook.plugin_name,
                    hook_name,
                    type(exc).__name__,
                    exc,
                )
        target.current_plugin = "genesis"
    for method, backend in registry.generators:
        by_name[registry.generators.owner((method, backend))].generators.append(
            (method, backend)
        )
    for name in registry.providers:
        by_name[registry.providers.owner(name)].providers.append(name)
    for column_type in registry.transformers:
        by_name[registry.transformers.owner(column_type)].transformers.append(
            column_type
        )
    return registry


def _withdraw(registry: Registry, manager: pluggy.PluginManager, plugin: str) -> None:
    """Remove everything ``plugin`` registered, and the plugin itself."""
    for target in (registry.generators, registry.providers, registry.transformers):
        target.forget(plugin)
    manager.unregister(name=plugin)


def _plugin_info(entry_point: importlib_metadata.EntryPoint) -> PluginInfo:
    distribution = entry_point.dist
    if distribution is None:
        return PluginInfo(entry_point.name, "?", "?")
    return PluginInfo(
        entry_point.name, distribution.metadata["Name"], distribution.version
    )


def _close_name(name: str, known: Sequence[str]) -> str | None:
    """The known name a misspelt ``name`` most likely means, if any.

    Names are compared without case, underscores or hyphens, so
    ``"GaussianCopula"`` finds ``"gaussian_copula"``; a name that is part of
    one known name (``"copula"``) finds it too.
    """
    wanted = plain_name(name)
    if not wanted:
        return None
    by_plain = {plain_name(known_name): known_name for known_name in known}
    if wanted in by_plain:
        return by_plain[wanted]
    containing = [known_name for key, known_name in by_plain.items() if wanted in key]
    if len(containing) == 1:
        return containing[0]
    close = difflib.get_close_matches(wanted, list(by_plain), n=1, cutoff=0.75)
    return by_plain[close[0]] if close else None


def _both_install_lines() -> str:
    return " or ".join(install_line(b) for b in BACKEND_PREFERENCE)


def _failed_plugins_note() -> str:
    failed = [info.name for info in get_registry().plugins if info.error]
    if not failed:
        return ""
    return (
        f" Plugin(s) {failed!r} failed to load, so their methods are missing; "
        "`genesis plugins` says why."
    )


def _unknown_method(
    method: str, installed: list[str], choices: Sequence[str]
) -> UnknownMethodError:
    """The error for a method name that is neither registered nor ours."""
    offered = sorted({*installed, *choices})
    absent = [m for m in BACKEND_METHODS if m not in offered]
    guess = _close_name(method, [*offered, *absent])
    if guess in absent:
        advice = f"Did you mean {guess!r}? It needs a backend: {_both_install_lines()}."
    elif guess is not None:
        advice = f"Did you mean {guess!r}?"
    else:
        advice = f"Methods here are {offered!r}."
        if absent:
            advice += f" {', '.join(absent)} need a backend: {_both_install_lines()}."
        advice += " A third-party method needs its plugin installed."
    return UnknownMethodError(
        f"Method {method!r} is not a method of Genesis or of an installed "
        f"plugin. {advice}{_failed_plugins_note()}"
    )


def resolve_backend(
    method: str, requested: str | None = None, *, choices: Sequence[str] = ()
) -> str:
    """Choose the backend for ``method``: the one place this is decided.

    Order: ``requested`` (the ``backend=`` argument), then the
    ``GENESIS_BACKEND`` environment variable, then the first installed of
    torch, jax, then any other registered backend. A method the core
    implements in numpy (the copula) runs there whatever is asked.

    Args:
        method: The method name the user gave.
        requested: The ``backend=`` argument, or None.
        choices: Names the caller accepts besides the registered methods
            (``"auto"``), offered when a misspelt name is close to one.

    Raises:
        UnknownMethodError: ``method`` is neither registered by an installed
            plugin nor one of the methods of our backends (a typo), or the
            backend asked is close to a known backend but none (a typo).
        BackendNotAvailableError: ``method`` is known but no installed
            plugin provides it on the requested backend (or on any backend),
            with the install line.
    """
    generators = get_registry().generators
    available = generators.backends_for(method)
    wanted = requested or os.environ.get(BACKEND_ENV) or None
    source = "backend=" if requested else BACKEND_ENV
    if wanted:
        _check_backend_name(wanted, source, generators.backends())
    if not available:
        known = generators.methods()
        if method not in BACKEND_METHODS:
            raise _unknown_method(method, known, choices)
        if wanted:
            advice = (
                f"Backend {wanted!r} was asked by {source}; run: "
                f"{install_line(wanted)}."
            )
        else:
            advice = f"For {', '.join(BACKEND_METHODS)} run: {_both_install_lines()}."
        raise BackendNotAvailableError(
            f"No installed plugin provides method {method!r}; installed methods are "
            f"{known!r}. {advice}"
        )
    if available == [CORE_BACKEND]:
        return CORE_BACKEND
    if wanted:
        if wanted in available:
            logger.info(
                "Method %r runs on backend %r (from %s).", method, wanted, source
            )
            return wanted
        raise BackendNotAvailableError(
            f"Method {method!r} is not available on backend {wanted!r} (asked by "
            f"{source}); installed backends for it: {available!r}. Run: "
            f"{install_line(wanted)}"
        )
    backend = next(b for b in (*BACKEND_PREFERENCE, *available) if b in available)
    if len(available) > 1:
        logger.info(
            "Method %r runs on backend %r, the first installed of %r.",
            method,
            backend,
            available,
        )
    return backend


def _check_backend_name(wanted: str, source: str, registered: list[str]) -> None:
    """Refuse a misspelt backend name, with the name meant.

    A name close to a known backend (``"toch"``, ``"JAX"``, ``"pytorch"``)
    is a typo: installing something would not help, so it is an
    :class:`UnknownMethodError` naming the closest one rather than a
    ``pip install`` line for a distribution that does not exist. Names of
    our own backends are known even where they are not installed, and so
    are those of every installed plugin. A name close to none may be a
    third party's backend whose plugin is missing, and is left to the
    :class:`BackendNotAvailableError` that follows. The copula, which runs
    in numpy whatever is asked, is checked too: ``GENESIS_BACKEND=toch`` is a
    mistake wherever it is read.
    """
    known = sorted({*registered, *BACKEND_PREFERENCE, CORE_BACKEND})
    if wanted in known:
        return
    guess = _close_name(wanted, known)
    if guess is None:
        return
    raise UnknownMethodError(
        f"Backend {wanted!r} (asked by {source}) is not a backend of Genesis or "
        f"of an installed plugin. Did you mean {guess!r}? The backends are "
        f"{known!r}."
    )


def resolve_provider(name: str) -> type:
    """The class of text provider ``name``, from the installed plugins.

    Raises:
        UnknownMethodError: No installed plugin provides ``name`` and it is
            not one of the providers of genesis-synth-llm (a typo).
        BackendNotAvailableError: ``name`` is one of those providers and
            its extra is not installed; the message gives the install line.
    """
    providers = get_registry().providers
    if name in providers:
        return providers.get(name)
    installed = sorted(providers)
    if name in LLM_PROVIDERS:
        raise BackendNotAvailableError(
            f"No installed plugin provides the text provider {name!r}; installed "
            f"providers are {installed!r}. Run: {install_line(name)}"
        )
    known = sorted({*installed, *LLM_PROVIDERS})
    guess = _close_name(name, known)
    advice = (
        f"Did you mean {guess!r}?"
        if guess is not None
        else f"Genesis knows the providers {known!r}; a third-party provider "
        "needs its plugin installed."
    )
    raise UnknownMethodError(
        f"Text provider {name!r} is not a provider of Genesis or of an "
        f"installed plugin; installed providers are {installed!r}. {advice}"
    )
