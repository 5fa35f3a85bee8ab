"""What the registry announces to other parts without importing them: they connect their
receivers in their ``AppConfig.ready`` (the registry never imports stats, web or API)."""

from django.dispatch import Signal

# Sent by the ``import`` command once a file's cases are committed and some were stored or
# updated; keyword argument ``report`` (the importer's report). The statistics rebuild their
# summary on it.
cases_imported = Signal()
