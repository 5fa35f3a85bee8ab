from django.apps import AppConfig


class PublicReportsConfig(AppConfig):
    name = "nanduti.public_reports"
    verbose_name = "public reports"

    def ready(self):
        # Public reports are reviewed in the analysts' queue beside press candidates.
        from nanduti.monitoring import review
        from nanduti.public_reports import review_queue

        review.register_section(review_queue.SECTION)
