"""The anonymous public report form (/denunciar/ and /api/public-reports/): a person reports a
suspicious offer or profile and is answered at once by monitoring's red-flag screen, with
advice and help lines; reports wait for analysts in the review queue.

Public: (none; reached through its URLs)
"""
