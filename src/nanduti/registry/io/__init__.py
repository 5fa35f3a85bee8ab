"""The import pipeline's stages: reading, normalising, grouping into cases, writing (and
running grouping in worker processes)."""
