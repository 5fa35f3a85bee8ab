"""The REST API (django-ninja) over the registry's services.

Public: (none; reached through its URLs)
"""
