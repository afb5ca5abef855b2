"""Safer Places: the statutory cycle of England's Community Safety Partnerships on open data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("saferplaces")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
