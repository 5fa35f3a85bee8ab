"""The web pages (case forms, lists, imports, history).

Public: (none; reached through its URLs)
"""
