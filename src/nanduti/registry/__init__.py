"""The case registry: institutions, cases and their children, audit trail, import/export.

Cases are written only through ``services`` (one transaction with their audit events and the
version check); other parts read ``models`` through ``permissions`` and ``filters``.

Public: models, services, permissions, filters, audit, signals, fields, schema, sealed,
importer, institutions, template, xlsform_build, ctdc, io.values, freshness
"""
