"""The version of neuromf, read by ``pyproject.toml`` (single source)."""

__version__ = "0.1.0"
