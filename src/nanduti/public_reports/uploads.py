"""Request bodies of the public report paths: in memory only, and bounded.

Django writes an upload over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) to a temporary file,
which would put the sender's picture, metadata and all, on disk before it is cleaned and
sealed. On the public report paths the middleware below lets uploads only into memory, and
only when the whole body is within the limit; a larger body's file is read and dropped
(and the view refuses the request with 413). It runs before CSRF checking reads the body.
"""

from __future__ import annotations

from django.core.files.uploadhandler import MemoryFileUploadHandler

from nanduti.public_reports import images
from nanduti.public_reports.access_log import is_public_report

BODY_MARGIN = 256 * 1024  # the text fields' share of a request beside the picture


def body_limit() -> int:
    return images.max_bytes() + BODY_MARGIN


def body_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > body_limit()


class BoundedMemoryUploadHandler(MemoryFileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        self.activated = content_length is not None and content_length <= body_limit()


class PublicReportUploads:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_public_report(request.path_info):
            request.upload_handlers = [BoundedMemoryUploadHandler(request)]
        return self.get_response(request)
