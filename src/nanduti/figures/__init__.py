"""Official figures: institutions' published series, reconciled with the registry.

Public: (none; reached through its URLs and API router)
"""
