from django.contrib import admin

from nanduti.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `nanduti create-token`; here they are listed and revoked."""

    list_display = ("prefix", "user", "name", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "prefix", "key_hash", "created", "last_used")
    fields = ("user", "name", "prefix", "created", "last_used", "revoked")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    @admin.action(description="Revocar / revoke")
    def revoke(self, request, queryset):
        queryset.update(revoked=True)
