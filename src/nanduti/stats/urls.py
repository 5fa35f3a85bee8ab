from django.urls import path

from nanduti.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("descargar.<str:fmt>", views.download, name="download"),
    path("publico/", views.public, name="public"),
    path("privacidad/", views.ledger, name="ledger"),
    path("publicaciones/", views.publications, name="publications"),
    path("publico/descargar.<str:fmt>", views.public_download, name="public_download"),
    path("informe/", views.report_page, name="report"),
    path("informe.pdf", views.report_pdf, name="report_pdf"),
]
