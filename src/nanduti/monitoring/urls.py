from django.urls import path

from nanduti.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("decisiones/", views.decisions, name="decisions"),
    path("plataformas/", views.platforms, name="platforms"),
    path("plataformas/agregar/", views.add_platform, name="add_platform"),
    path("<int:article_id>/confirmar/", views.confirm, name="confirm"),
    path("<int:article_id>/rechazar/", views.reject, name="reject"),
    path("<int:article_id>/unir/", views.merge, name="merge"),
]
