"""A plugin whose import fails, as one with a missing native library would."""

raise ImportError("genesis_broken needs libimaginary.so, which is not installed")
