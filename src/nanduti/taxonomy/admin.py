"""Admin views of the loaded vocabularies (read-only: the CSV files are the source)."""

from django.contrib import admin

from nanduti.taxonomy.models import Term, VocabularyVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Edits belong in ``taxonomy/data`` (versioned files), not in the database."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Term)
class TermAdmin(ReadOnlyAdmin):
    list_display = ("vocabulary", "code", "label_es", "label_en", "parent_code")
    list_filter = ("vocabulary",)
    search_fields = ("code", "label_es", "label_en", "aliases")
    ordering = ("vocabulary", "sort_order")


@admin.register(VocabularyVersion)
class VocabularyVersionAdmin(ReadOnlyAdmin):
    list_display = ("vocabulary", "version", "terms", "sha256", "loaded_at")
    ordering = ("vocabulary",)
