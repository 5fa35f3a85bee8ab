"""The importer's parts: reading files, normalising rows, case bundles, storing chunks."""
