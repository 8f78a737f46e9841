"""Where a warning should point: the first line of the user's code.

A fixed ``stacklevel`` is right for one call path only. The same warning,
reached through ``SyntheticGenerator.fit``, a backend's own ``fit``, a
related-tables generator or a streaming call, would name a line of ours,
which the user cannot act on.
"""

from __future__ import annotations

import inspect
from types import FrameType

__all__ = ["caller_stacklevel"]

# Top-level packages whose frames a warning skips to reach the user's code.
_OUR_PACKAGES = frozenset({"genesis", "genesis_torch", "genesis_jax", "genesis_llm"})


def caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning raised by the caller of this
    function at the first frame outside Genesis's packages."""
    frame = inspect.currentframe()
    # Level 1 is the function that calls this one and then warns.
    frame = frame.f_back if frame is not None else None
    level = 1
    while frame is not None and _is_ours(frame):
        frame = frame.f_back
        level += 1
    return level


def _is_ours(frame: FrameType) -> bool:
    module = frame.f_globals.get("__name__", "")
    return module.partition(".")[0] in _OUR_PACKAGES
