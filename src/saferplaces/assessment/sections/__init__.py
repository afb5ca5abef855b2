"""The sections of the assessment, one module each, in the order the engine runs them.

Each has ``build(scope, data, ...) -> model part``: ``scope`` is the frozen
:class:`~saferplaces.assessment.scope.Scope` (area, periods, months compared), ``data`` the
:class:`~saferplaces.assessment.queries.Warehouse` (every query). A section that needs
another's result takes it as a keyword argument (categories take the peers; priorities take
the categories). No section re-reads the national records for the area: they read
``a_street``, made once by the scope.
"""

ORDER = (
    "overview", "peers", "categories", "places", "hotspots", "localities", "emerging",
    "priorities", "quality", "methods", "provenance",
)  # fmt: skip
