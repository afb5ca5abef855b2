"""Safer Places: the statutory cycle of England's Community Safety Partnerships on open data.

Python API::

    from saferplaces import assess
    result = assess("Tamworth", "2025-01", "2025-12", workspace="~/.local/share/saferplaces")
    result.overview.crime.count, result.overview.crime.p_value
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("saferplaces")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+local"

__all__ = ["__version__", "assess"]


def __getattr__(name: str):
    # Imported lazily so `import saferplaces` (and the CLI's --help) stays fast.
    if name == "assess":
        from saferplaces.assessment import assess

        return assess
    raise AttributeError(name)
