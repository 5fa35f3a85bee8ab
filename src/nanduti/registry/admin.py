"""Django admin for data stewards and administrators.

Superusers see everything. Stewards (and admins of an institution) see only their own
institution's objects and memberships. Identifying (encrypted) fields are shown only to
users allowed to see them for that case (``permissions.can_see_identifying``); the audit
trail and import records are read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nanduti.registry import permissions, services
from nanduti.registry.models import (
    Assistance,
    AuditEvent,
    Case,
    Exploitation,
    ImportBatch,
    Institution,
    Membership,
    Perpetrator,
    Referral,
    RejectedRow,
    Role,
    Source,
    TechnologyUse,
    Victim,
)
from nanduti.taxonomy.labels import in_language

MANAGERS = (Role.STEWARD, Role.ADMIN)


class ChoiceInLanguageFilter(admin.SimpleListFilter):
    """A filter over bilingual «es / en» choices, shown in the page's language."""

    options: list = []

    def lookups(self, request, model_admin):
        return [(value, in_language(label)) for value, label in self.options]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset


class SourceFilter(ChoiceInLanguageFilter):
    title, parameter_name, options = _("fuente"), "source", Source.choices


class RoleFilter(ChoiceInLanguageFilter):
    title, parameter_name, options = _("rol"), "role", Role.choices


def is_manager(user) -> bool:
    return user.is_active and user.is_staff and permissions.role(user) in MANAGERS


def own_institution(user) -> int | None:
    return None if user.is_superuser else permissions.institution_id(user)


class ScopedAdmin(admin.ModelAdmin):
    """Admin access by role, and rows limited to the user's institution."""

    institution_path = "institution"
    read_only = False

    def scope(self, request, qs):
        if request.user.is_superuser:
            return qs
        own = own_institution(request.user)
        if own is None:
            return qs.none()
        return qs.filter(**{f"{self.institution_path}_id": own})

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def has_module_permission(self, request):
        return request.user.is_superuser or is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self.has_module_permission(request)

    def has_add_permission(self, request, obj=None):
        return not self.read_only and self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and self.has_module_permission(request)


@admin.register(Institution)
class InstitutionAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind")
    search_fields = ("code", "name")
    institution_path = "id"

    def scope(self, request, qs):
        if request.user.is_superuser:
            return qs
        return qs.filter(pk=own_institution(request.user) or 0)

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ("user", "institution", "role_label")
    list_filter = (RoleFilter,)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ()

    @admin.display(description=_("rol"), ordering="role")
    def role_label(self, obj):
        return in_language(obj.get_role_display())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "institution" and not request.user.is_superuser:
            kwargs["queryset"] = Institution.objects.filter(pk=own_institution(request.user) or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            # Only a superuser makes administrators.
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.institution_id = own_institution(request.user)
        super().save_model(request, obj, form, change)


class IdentifyingHidden:
    """Inline mix-in: leave out encrypted fields unless the user may see them."""

    identifying = Victim.IDENTIFYING_FIELDS  # perpetrators hold some of them

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if obj is None or not permissions.can_see_identifying(request.user, obj):
            fields = {f.name for f in self.model._meta.fields}
            excluded += [name for name in self.identifying if name in fields]
        return excluded


class ChildInline(admin.StackedInline):
    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or is_manager(request.user)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


class VictimInline(IdentifyingHidden, ChildInline):
    model = Victim


class PerpetratorInline(IdentifyingHidden, ChildInline):
    model = Perpetrator


class TechnologyInline(ChildInline):
    model = TechnologyUse
    fields = ("phase", "platform", "technology", "detail")
    template = admin.TabularInline.template


class ExploitationInline(ChildInline):
    model = Exploitation
    template = admin.TabularInline.template


class ReferralInline(ChildInline):
    model = Referral
    fk_name = "case"
    template = admin.TabularInline.template


class AssistanceInline(ChildInline):
    model = Assistance
    template = admin.TabularInline.template


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    list_display = ("reference", "institution", "year", "department", "source_label", "updated_at")
    list_filter = (SourceFilter, "synthetic", "year")
    search_fields = ("reference",)
    list_select_related = ("institution",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = (
        VictimInline,
        TechnologyInline,
        ExploitationInline,
        PerpetratorInline,
        ReferralInline,
        AssistanceInline,
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "institution" and not request.user.is_superuser:
            kwargs["queryset"] = Institution.objects.filter(pk=own_institution(request.user) or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("fuente"), ordering="source")
    def source_label(self, obj):
        return in_language(obj.get_source_display())

    # The case and its inlines are written together through the registry's service (one
    # transaction, audited, version and content hash kept), in save_related.
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        children, removed = [], []
        for formset in formsets:
            children += formset.save(commit=False)
            removed += formset.deleted_objects
        services.save_case(form.instance, actor=request.user, children=children, removed=removed)

    def delete_model(self, request, obj):
        services.delete_case(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for case in queryset:
            services.delete_case(case, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    read_only = True
    list_display = ("at", "actor", "institution", "action", "model", "object_id", "case_id")
    list_filter = ("action", "model")
    search_fields = ("object_id",)
    date_hierarchy = "at"
    list_select_related = ("actor", "institution")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class RejectedRowInline(admin.TabularInline):
    model = RejectedRow
    extra = 0
    fields = ("row_number", "errors", "resolved")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or is_manager(request.user)


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdmin):
    read_only = True
    list_display = (
        "original_name",
        "institution",
        "format",
        "created_at",
        "stored",
        "updated",
        "rejected",
    )
    list_filter = ("format",)
    inlines = (RejectedRowInline,)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(RejectedRow)
class RejectedRowAdmin(ScopedAdmin):
    read_only = True
    institution_path = "batch__institution"
    list_display = ("batch", "row_number", "resolved")
    list_filter = ("resolved",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
