from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("nanduti.api.urls")),
    path("revision/", include("nanduti.monitoring.urls")),
    path("estadisticas/", include("nanduti.stats.urls")),
    path("enlace/", include("nanduti.linkage.urls")),
    path("cifras-oficiales/", include("nanduti.figures.urls")),
    path("trabajos/", include("nanduti.jobs.urls")),
    path("", include("nanduti.web.urls")),
]
