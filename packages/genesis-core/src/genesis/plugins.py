"""What a plugin author imports: the hook marker, registries, protocols and helpers.

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
    install_line,
    reset_registry,
)
from genesis._text_provider import (
    Completion,
    ModelPrice,
    StopReason,
    TextProvider,
    TextRequest,
    resolve_api_key,
    scrub_secret,
)
from genesis.data import PreparedColumn, PreparedTable
from genesis.errors import TextProviderError
from genesis.hookspecs import hookimpl
from genesis.protocols import (
    ColumnTransformer,
    GeneratorImpl,
    ProgressCallback,
    ProgressEvent,
)

__all__ = [
    "ColumnTransformer",
    "Completion",
    "ConfigKey",
    "ConfigSpec",
    "GeneratorImpl",
    "GeneratorRegistry",
    "ModelPrice",
    "PreparedColumn",
    "PreparedTable",
    "ProgressCallback",
    "ProgressEvent",
    "ProviderRegistry",
    "StopReason",
    "TextProvider",
    "TextProviderError",
    "TextRequest",
    "TransformerRegistry",
    "get_registry",
    "hookimpl",
    "install_line",
    "layer_sizes",
    "non_negative_number",
    "one_of",
    "positive_int",
    "positive_number",
    "reset_registry",
    "resolve_api_key",
    "scrub_secret",
]
