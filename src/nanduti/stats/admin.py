"""Administration of privacy budgets (administrators only) and the ledger (read only)."""

from django.contrib import admin

from nanduti.registry import permissions
from nanduti.registry.models import Role
from nanduti.stats.models import PrivacyBudget, PrivacyRelease
from nanduti.taxonomy.admin import ReadOnlyAdmin


def _is_admin(request) -> bool:
    return permissions.role(request.user) == Role.ADMIN


@admin.register(PrivacyBudget)
class PrivacyBudgetAdmin(admin.ModelAdmin):
    list_display = ["institution", "user", "epsilon", "updated_at"]

    def has_module_permission(self, request):
        return _is_admin(request)

    has_view_permission = has_add_permission = has_change_permission = (
        lambda self, request, obj=None: _is_admin(request)
    )
    has_delete_permission = has_change_permission


@admin.register(PrivacyRelease)
class PrivacyReleaseAdmin(ReadOnlyAdmin):
    """The ledger is written by releases only."""

    list_display = ["created_at", "institution", "actor", "epsilon", "sensitivity", "cells"]
