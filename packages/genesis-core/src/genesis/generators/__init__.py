"""Front doors for generators of data that is not a single table.

``genesis.generators.timeseries`` holds :class:`TimeGANGenerator`, which
learns sequences (a 3-D array, or a long DataFrame with an entity and a time
column). Each front door lives in the core, finds its implementation through
the plugin registry, and raises BackendNotAvailableError with the
``pip install`` line when no installed plugin provides it.
"""
