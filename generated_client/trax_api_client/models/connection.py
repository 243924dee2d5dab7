from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Connection")


@_attrs_define
class Connection:
    """A linked platform account, used for chat.

    Attributes:
        id (str): `conn_` followed by a ULID. Example: conn_01JDQ3D1E2F3G4H5J6K7M8N9P0.
        platform (str): The platform. Extensible: tolerate new platforms. Example: twitch.
        account_name (str): The account's name on the platform. Example: alice_live.
        status (str): `active`, or `needs_reauth` when the platform revoked our access. Extensible. Example: active.
        linked_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
    """

    id: str
    platform: str
    account_name: str
    status: str
    linked_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        platform = self.platform

        account_name = self.account_name

        status = self.status

        linked_at = self.linked_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "platform": platform,
                "accountName": account_name,
                "status": status,
                "linkedAt": linked_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        platform = d.pop("platform")

        account_name = d.pop("accountName")

        status = d.pop("status")

        linked_at = datetime.datetime.fromisoformat(d.pop("linkedAt"))

        connection = cls(
            id=id,
            platform=platform,
            account_name=account_name,
            status=status,
            linked_at=linked_at,
        )

        connection.additional_properties = d
        return connection

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
