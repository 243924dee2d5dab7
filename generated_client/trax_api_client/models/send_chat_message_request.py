from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SendChatMessageRequest")


@_attrs_define
class SendChatMessageRequest:
    """The chat message to send to every chat-enabled platform of the studio.

    Attributes:
        text (str): 1–500 characters, not only white space; tabs and line breaks are allowed, other
            control characters are not.
             Example: Thanks for watching!.
    """

    text: str

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        send_chat_message_request = cls(
            text=text,
        )

        return send_chat_message_request
