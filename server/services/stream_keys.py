"""Destination stream keys: sealed when they are set, opened only where an output starts."""

from __future__ import annotations

from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import Destination
from server.storage.sealed_secrets import SecretKeyring, stream_key_context

RESEAL_BATCH = 500


class StreamKeyVault:
    def __init__(self, keyring: SecretKeyring):
        self._keyring = keyring

    def set(self, destination: Destination, stream_key: str | None) -> None:
        if stream_key is None:
            destination.stream_key_sealed = None
            destination.stream_key_last4 = None
            return
        destination.stream_key_sealed = self._keyring.seal(
            stream_key, context=stream_key_context(destination.id)
        )
        destination.stream_key_last4 = stream_key[-4:]

    def open(self, destination: Destination) -> str:
        if destination.stream_key_sealed is None:
            raise ValueError(f"destination {destination.id} has no stream key")
        return self._keyring.open(
            destination.stream_key_sealed, context=stream_key_context(destination.id)
        )

    def reseal_all(self, unit_of_work: UnitOfWorkFactory) -> int:
        """Re-seals every stream key not sealed by the keyring's first key (after a rotation),
        a batch per transaction; returns how many were re-sealed."""
        total = 0
        while True:
            with unit_of_work() as uow:
                stale = uow.destinations.with_sealed_stream_keys_not_by(
                    self._keyring.primary_id, RESEAL_BATCH
                )
                for destination in stale:
                    self.set(destination, self.open(destination))
                uow.commit()
            total += len(stale)
            if len(stale) < RESEAL_BATCH:
                return total
