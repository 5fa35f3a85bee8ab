"""Record linkage: unique persons across institutions' victim records.

Public: models, runs
"""
