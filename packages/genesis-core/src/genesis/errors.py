"""The exceptions Genesis raises.

Every exception derives from :class:`GenesisError` and from the builtin a
caller would catch first, so existing ``except ValueError`` clauses keep
working::

    GenesisError
    ├── InvalidDataError          (ValueError)   bad data; names the column
    ├── InvalidConfigError        (ValueError)   bad config; lists the valid keys
    ├── NotFittedError            (RuntimeError) generate/save before fit
    ├── UnknownMethodError        (ValueError)   a misspelt method or backend name
    ├── BackendNotAvailableError  (ImportError)  gives the ``pip install`` line
    ├── PluginConflictError       (RuntimeError) two plugins claim one name
    ├── ModelFileError            (ValueError)   unreadable or incompatible file
    ├── ConditionNotMetError      (ValueError)   condition too rare to meet
    ├── TrainingDivergedError     (RuntimeError) losses or outputs not finite
    └── TextProviderError         (RuntimeError) a text provider failed
"""

from __future__ import annotations

__all__ = [
    "BackendNotAvailableError",
    "ConditionNotMetError",
    "GenesisError",
    "InvalidConfigError",
    "InvalidDataError",
    "ModelFileError",
    "NotFittedError",
    "PluginConflictError",
    "TextProviderError",
    "TrainingDivergedError",
    "UnknownMethodError",
]


class GenesisError(Exception):
    """Base class of every error Genesis raises on purpose."""


class InvalidDataError(GenesisError, ValueError):
    """The data given to fit or generate cannot be used as it is."""


class InvalidConfigError(GenesisError, ValueError):
    """A config key is unknown or its value has the wrong type or range."""


class NotFittedError(GenesisError, RuntimeError):
    """The generator must be fitted before this call."""


class UnknownMethodError(GenesisError, ValueError):
    """A method, backend or text provider name that Genesis does not know.

    The name is neither provided by an installed plugin nor one of the
    methods and providers of Genesis's own distributions, so it is most
    likely misspelt; the message names the closest known name. Unlike
    :class:`BackendNotAvailableError`, installing something does not help,
    so code that falls back to another method on that error does not hide
    a typo.
    """


class BackendNotAvailableError(GenesisError, ImportError):
    """A known method (or text provider) whose backend is not installed.

    Raised for a method no installed plugin provides on the requested
    backend, or on any backend; the message gives the ``pip install`` line.
    """


class PluginConflictError(GenesisError, RuntimeError):
    """Two plugins registered the same name."""


class ModelFileError(GenesisError, ValueError):
    """A saved model file is unreadable, truncated or from another format version."""


class ConditionNotMetError(GenesisError, ValueError):
    """Conditional generation could not produce enough rows meeting the condition."""


class TrainingDivergedError(GenesisError, RuntimeError):
    """A network's losses or outputs stopped being finite: its weights are unusable.

    Raised by fit when an epoch ends with a NaN or infinite loss (the fit is
    abandoned), and by generate when a model's output holds NaN or infinity.
    """


class TextProviderError(GenesisError, RuntimeError):
    """A provider could not answer a request.

    Attributes:
        retryable: True for rate limits, server errors, timeouts, lost
            connections and unreadable answers; False for errors another try
            cannot fix (a rejected key, an unknown model).
        retry_after: Seconds the server asked us to wait, when it said.
    """

    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
