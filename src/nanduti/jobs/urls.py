from django.urls import path

from nanduti.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("iniciar/", views.job_start, name="start"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/estado.json", views.job_status, name="status"),
    path("<int:job_id>/cancelar/", views.job_cancel, name="cancel"),
    path("<int:job_id>/informe.pdf", views.report_file, name="report_file"),
]
