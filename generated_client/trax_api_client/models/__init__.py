"""Contains all the data models used in inputs/outputs"""

from .chat_author import ChatAuthor
from .chat_delivery import ChatDelivery
from .chat_event_data import ChatEventData
from .chat_message import ChatMessage
from .chat_message_list import ChatMessageList
from .connection import Connection
from .connection_list import ConnectionList
from .connection_unlinked_event_data import ConnectionUnlinkedEventData
from .create_destination_request import CreateDestinationRequest
from .create_media_request import CreateMediaRequest
from .create_source_request import CreateSourceRequest
from .create_studio_request import CreateStudioRequest
from .create_webhook_request import CreateWebhookRequest
from .created_media_asset import CreatedMediaAsset
from .destination import Destination
from .destination_list import DestinationList
from .destination_output_status import DestinationOutputStatus
from .destination_platform import DestinationPlatform
from .destination_status_changed_event_data import DestinationStatusChangedEventData
from .destination_status_changed_event_data_previous import DestinationStatusChangedEventDataPrevious
from .destination_stream_status import DestinationStreamStatus
from .error import Error
from .error_detail import ErrorDetail
from .event import Event
from .event_data import EventData
from .event_data_object import EventDataObject
from .event_data_previous import EventDataPrevious
from .event_list import EventList
from .event_request import EventRequest
from .health import Health
from .ingest_availability import IngestAvailability
from .ingest_endpoint import IngestEndpoint
from .media_asset import MediaAsset
from .media_asset_list import MediaAssetList
from .media_content_type import MediaContentType
from .media_event_data import MediaEventData
from .media_event_data_previous import MediaEventDataPrevious
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
from .stream_event_data import StreamEventData
from .stream_event_data_previous import StreamEventDataPrevious
from .stream_health import StreamHealth
from .stream_program_type_0 import StreamProgramType0
from .stream_status import StreamStatus
from .studio import Studio
from .studio_list import StudioList
from .update_destination_request import UpdateDestinationRequest
from .update_source_request import UpdateSourceRequest
from .update_studio_request import UpdateStudioRequest
from .update_webhook_request import UpdateWebhookRequest
from .webhook import Webhook
from .webhook_attempt import WebhookAttempt
from .webhook_attempt_list import WebhookAttemptList
from .webhook_delivery import WebhookDelivery
from .webhook_event_data import WebhookEventData
from .webhook_event_data_previous import WebhookEventDataPrevious
from .webhook_list import WebhookList
from .webhook_with_secret import WebhookWithSecret

__all__ = (
    "ChatAuthor",
    "ChatDelivery",
    "ChatEventData",
    "ChatMessage",
    "ChatMessageList",
    "Connection",
    "ConnectionList",
    "ConnectionUnlinkedEventData",
    "CreateDestinationRequest",
    "CreatedMediaAsset",
    "CreateMediaRequest",
    "CreateSourceRequest",
    "CreateStudioRequest",
    "CreateWebhookRequest",
    "Destination",
    "DestinationList",
    "DestinationOutputStatus",
    "DestinationPlatform",
    "DestinationStatusChangedEventData",
    "DestinationStatusChangedEventDataPrevious",
    "DestinationStreamStatus",
    "Error",
    "ErrorDetail",
    "Event",
    "EventData",
    "EventDataObject",
    "EventDataPrevious",
    "EventList",
    "EventRequest",
    "Health",
    "IngestAvailability",
    "IngestEndpoint",
    "MediaAsset",
    "MediaAssetList",
    "MediaContentType",
    "MediaEventData",
    "MediaEventDataPrevious",
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
    "StreamEventData",
    "StreamEventDataPrevious",
    "StreamHealth",
    "StreamProgramType0",
    "StreamStatus",
    "Studio",
    "StudioList",
    "UpdateDestinationRequest",
    "UpdateSourceRequest",
    "UpdateStudioRequest",
    "UpdateWebhookRequest",
    "Webhook",
    "WebhookAttempt",
    "WebhookAttemptList",
    "WebhookDelivery",
    "WebhookEventData",
    "WebhookEventDataPrevious",
    "WebhookList",
    "WebhookWithSecret",
)
