"""Contains all the data models used in inputs/outputs"""

from .create_studio_request import CreateStudioRequest
from .error import Error
from .error_detail import ErrorDetail
from .health import Health
from .open_api_document import OpenApiDocument
from .open_api_document_info import OpenApiDocumentInfo
from .open_api_document_paths import OpenApiDocumentPaths
from .studio import Studio
from .studio_list import StudioList
from .update_studio_request import UpdateStudioRequest

__all__ = (
    "CreateStudioRequest",
    "Error",
    "ErrorDetail",
    "Health",
    "OpenApiDocument",
    "OpenApiDocumentInfo",
    "OpenApiDocumentPaths",
    "Studio",
    "StudioList",
    "UpdateStudioRequest",
)
