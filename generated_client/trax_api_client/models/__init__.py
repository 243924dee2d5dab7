"""Contains all the data models used in inputs/outputs"""

from .create_media_request import CreateMediaRequest
from .create_studio_request import CreateStudioRequest
from .created_media_asset import CreatedMediaAsset
from .error import Error
from .error_detail import ErrorDetail
from .health import Health
from .media_asset import MediaAsset
from .media_asset_list import MediaAssetList
from .media_content_type import MediaContentType
from .open_api_document import OpenApiDocument
from .open_api_document_info import OpenApiDocumentInfo
from .open_api_document_paths import OpenApiDocumentPaths
from .presigned_upload import PresignedUpload
from .presigned_upload_headers import PresignedUploadHeaders
from .studio import Studio
from .studio_list import StudioList
from .update_studio_request import UpdateStudioRequest

__all__ = (
    "CreatedMediaAsset",
    "CreateMediaRequest",
    "CreateStudioRequest",
    "Error",
    "ErrorDetail",
    "Health",
    "MediaAsset",
    "MediaAssetList",
    "MediaContentType",
    "OpenApiDocument",
    "OpenApiDocumentInfo",
    "OpenApiDocumentPaths",
    "PresignedUpload",
    "PresignedUploadHeaders",
    "Studio",
    "StudioList",
    "UpdateStudioRequest",
)
