"""What a plugin author imports: the hook marker, the registries and the protocols.

See docs/plugins.md in the repository for a worked example.
"""

from genesis._config import (
    ConfigKey,
    ConfigSpec,
    layer_sizes,
    non_negative_number,
    one_of,
    positive_int,
    positive_number,
)
from genesis._registry import (
    GeneratorRegistry,
    ProviderRegistry,
    TransformerRegistry,
    get_registry,
    reset_registry,
)
from genesis.data import PreparedColumn, PreparedTable
from genesis.hookspecs import hookimpl
from genesis.protocols import (
    ColumnTransformer,
    GeneratorImpl,
    ProgressCallback,
    ProgressEvent,
)

__all__ = [
    "ColumnTransformer",
    "ConfigKey",
    "ConfigSpec",
    "GeneratorImpl",
    "GeneratorRegistry",
    "PreparedColumn",
    "PreparedTable",
    "ProgressCallback",
    "ProgressEvent",
    "ProviderRegistry",
    "TransformerRegistry",
    "get_registry",
    "hookimpl",
    "layer_sizes",
    "non_negative_number",
    "one_of",
    "positive_int",
    "positive_number",
    "reset_registry",
]
