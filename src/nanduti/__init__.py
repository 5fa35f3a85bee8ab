"""Ñandutí: observatory of technology-facilitated trafficking in persons.

The parts (Django apps) are layered: web, api and figures over ops, over stats and
monitoring, over linkage, over the registry, over the taxonomy (``[tool.importlinter]`` in
pyproject.toml; ``lint-imports`` checks it). A part uses another only through the modules the
other names under "Public:" in its package docstring (``nanduti/<app>/__init__.py``);
``tests/test_boundaries.py`` checks that. Settings and the environment are read only in
``settings.py``.
"""

__version__ = "0.1.0"
