from django.urls import path

from nanduti.figures import views

urlpatterns = [
    path("", views.page, name="figures"),
    path("cargar/", views.upload, name="figures_upload"),
    path("plantilla.xlsx", views.template_xlsx, name="figures_template"),
    path("sdmx.csv", views.export_sdmx, name="figures_sdmx"),
    path("informe.pdf", views.report_pdf, name="figures_report"),
]
