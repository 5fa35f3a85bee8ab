from django.contrib.auth import views as auth_views
from django.urls import include, path

from nanduti.web import import_downloads, two_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("entrada/", views.start, name="start"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "cuenta/entrar/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("cuenta/salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("cuenta/verificar/", two_factor.verify, name="second_factor_verify"),
    path("cuenta/segundo-factor/", two_factor.setup, name="second_factor_setup"),
    path("casos/", views.case_list, name="case_list"),
    path("casos/nuevo/", views.case_create, name="case_create"),
    path("casos/<int:case_id>/", views.case_detail, name="case_detail"),
    path("casos/<int:case_id>/editar/", views.case_edit, name="case_edit"),
    path("casos/<int:case_id>/historial/", views.case_history, name="case_history"),
]
urlpatterns += [
    path("importar/", views.import_page, name="import"),
    path("importar/<int:batch_id>/", views.import_batch, name="import_batch"),
    path("importar/<int:batch_id>/rechazos.csv", views.import_rejects, name="import_rejects"),
    path(
        "importar/plantilla.<str:fmt>",
        import_downloads.import_template,
        name="import_template",
    ),
    path("importar/formulario-kobo.xlsx", import_downloads.kobo_form, name="kobo_form"),
]
