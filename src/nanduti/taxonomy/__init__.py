"""Controlled vocabularies: codes, labels, aliases, versions (the bottom layer).

Public: vocab, labels, admin, loader, models
"""
