from django.urls import path

from nanduti.public_reports import views

app_name = "public_reports"

urlpatterns = [
    path("", views.report_form, name="form"),
    path("revision/<int:report_id>/decidir/", views.decide, name="decide"),
    path("revision/<int:report_id>/captura.png", views.screenshot, name="screenshot"),
]
