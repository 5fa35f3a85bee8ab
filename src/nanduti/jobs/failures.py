"""How a job's work stops early: cancelled on request, or failed for a reason people can act on."""


class Cancelled(Exception):
    """Raised from ``progress`` when someone asked the job to stop."""


class JobFailed(Exception):
    """The work ended without doing what was asked, for a reason people can act on."""

    def __init__(self, es: str, en: str, result: dict | None = None):
        super().__init__(en)
        self.es, self.en, self.result = es, en, result or {}
