from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

# The admin speaks as Ñandutí, not as "Django administration".
admin.site.site_header = _("Ñandutí · Administración")
admin.site.site_title = "Ñandutí"
admin.site.index_title = _("Datos de referencia, usuarios y registros")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("nanduti.api.urls")),
    path("revision/", include("nanduti.monitoring.urls")),
    path("estadisticas/", include("nanduti.stats.urls")),
    path("enlace/", include("nanduti.linkage.urls")),
    path("cifras-oficiales/", include("nanduti.figures.urls")),
    path("denunciar/", include("nanduti.public_reports.urls")),
    path("trabajos/", include("nanduti.jobs.urls")),
    path("", include("nanduti.web.urls")),
]
