"""Press monitoring: sources, crawler, text pipeline, review queue (press cases).

Public: store, review, extract.ads
"""
