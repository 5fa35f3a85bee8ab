from django.urls import path

from nanduti.linkage import views

app_name = "linkage"
urlpatterns = [path("", views.runs_page, name="runs")]
