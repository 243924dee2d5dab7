"""Contains all the data models used in inputs/outputs"""

from .chat_author import ChatAuthor
from .chat_delivery import ChatDelivery
from .chat_message import ChatMessage
from .chat_message_list import ChatMessageList
from .connection import Connection
from .connection_list import ConnectionList
from .create_destination_request import CreateDestinationRequest
from .create_media_request import CreateMediaRequest
from .create_source_request import CreateSourceRequest
from .create_studio_request import CreateStudioRequest
from .created_media_asset import CreatedMediaAsset
from .destination import Destination
from .destination_list import DestinationList
from .destination_platform import DestinationPlatform
from .destination_stream_status import DestinationStreamStatus
from .error import Error
from .error_detail import ErrorDetail
from .health import Health
from .ingest_endpoint import IngestEndpoint
from .media_asset import MediaAsset
from .media_asset_list import MediaAssetList
from .media_content_type import MediaContentType
from .open_api_document import OpenApiDocument
from .open_api_document_info import OpenApiDocumentInfo
from .open_api_document_paths import OpenApiDocumentPaths
from .presigned_upload import PresignedUpload
from .presigned_upload_headers import PresignedUploadHeaders
from .send_chat_message_request import SendChatMessageRequest
from .source import Source
from .source_ingest_type_0 import SourceIngestType0
from .source_kind import SourceKind
from .source_list import SourceList
from .stream_health import StreamHealth
from .stream_program_type_0 import StreamProgramType0
from .stream_status import StreamStatus
from .studio import Studio
from .studio_list import StudioList
from .update_destination_request import UpdateDestinationRequest
from .update_source_request import UpdateSourceRequest
from .update_studio_request import UpdateStudioRequest

__all__ = (
    "ChatAuthor",
    "ChatDelivery",
    "ChatMessage",
    "ChatMessageList",
    "Connection",
    "ConnectionList",
    "CreateDestinationRequest",
    "CreatedMediaAsset",
    "CreateMediaRequest",
    "CreateSourceRequest",
    "CreateStudioRequest",
    "Destination",
    "DestinationList",
    "DestinationPlatform",
    "DestinationStreamStatus",
    "Error",
    "ErrorDetail",
    "Health",
    "IngestEndpoint",
    "MediaAsset",
    "MediaAssetList",
    "MediaContentType",
    "OpenApiDocument",
    "OpenApiDocumentInfo",
    "OpenApiDocumentPaths",
    "PresignedUpload",
    "PresignedUploadHeaders",
    "SendChatMessageRequest",
    "Source",
    "SourceIngestType0",
    "SourceKind",
    "SourceList",
    "StreamHealth",
    "StreamProgramType0",
    "StreamStatus",
    "Studio",
    "StudioList",
    "UpdateDestinationRequest",
    "UpdateSourceRequest",
    "UpdateStudioRequest",
)
