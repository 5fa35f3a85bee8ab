"""Ñandutí: observatory of technology-facilitated trafficking in persons."""

__version__ = "0.1.0"
