from django.contrib import admin

from nanduti.monitoring.models import Article, Extraction, FetchedResponse, ReviewDecision, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "outlet", "kind", "active", "verified", "last_fetched_at")
    list_filter = ("kind", "active", "verified", "outlet")
    search_fields = ("name", "url", "outlet")
    readonly_fields = ("etag", "last_modified", "last_fetched_at", "last_error")


@admin.register(FetchedResponse)
class FetchedResponseAdmin(admin.ModelAdmin):
    list_display = ("url", "status", "fetched_at", "size")
    list_filter = ("status",)
    search_fields = ("url", "sha256")
    readonly_fields = [f.name for f in FetchedResponse._meta.fields]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "outlet", "published", "language")
    list_filter = ("outlet", "language")
    search_fields = ("title", "canonical_url")
    raw_id_fields = ("source", "response")


@admin.register(Extraction)
class ExtractionAdmin(admin.ModelAdmin):
    list_display = ("article", "score", "is_trafficking", "story_group", "pipeline_version")
    list_filter = ("is_trafficking", "pipeline_version")
    raw_id_fields = ("article",)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    list_display = ("article", "decision", "label", "case", "analyst", "at")
    list_filter = ("decision", "label")
    raw_id_fields = ("article", "extraction", "case", "merged_into")
