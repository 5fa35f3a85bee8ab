from django.urls import path

from nanduti.api.api import api
from nanduti.api.docs import docs_asset

urlpatterns = [
    path("docs-assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", api.urls),
]
