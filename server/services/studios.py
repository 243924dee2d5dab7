from __future__ import annotations

from server.domain.clock import utcnow
from server.domain.conditional import require_version
from server.domain.errors import NotFound
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.domain.states import StreamState
from server.services.changes import apply_changes, given
from server.services.retry import retry_on_concurrent_change
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import Studio
from server.storage.reads import StudioReads

STUDIO_ID_PREFIX = "studio"


class StudioService:
    def __init__(self, unit_of_work: UnitOfWorkFactory, reads: StudioReads | None = None) -> None:
        """`reads`: the Core read path (server/storage/reads.py) for `list` and `get`; without
        it they read through a unit of work, as writes do."""
        self._uow = unit_of_work
        self._reads = reads

    def list(self, account_id: str, request: PageRequest) -> Page[Studio]:
        if self._reads is not None:
            rows = self._reads.page(account_id, request)
        else:
            with self._uow() as uow:
                rows = uow.studios.page(account_id, request)
        return page_from_rows(rows, request, lambda studio: studio.id)

    def create(self, account_id: str, name: str, auto_go_live: bool) -> Studio:
        now = utcnow()
        studio = Studio(
            id=new_id(STUDIO_ID_PREFIX),
            account_id=account_id,
            name=name,
            auto_go_live=auto_go_live,
            stream_state=StreamState.OFFLINE,
            created_at=now,
            updated_at=now,
        )
        with self._uow() as uow:
            uow.studios.add(studio)
            uow.commit()
        return studio

    def get(self, account_id: str, studio_id: str) -> Studio:
        if self._reads is None:
            with self._uow() as uow:
                return require_studio(uow, account_id, studio_id)
        studio = self._reads.get(account_id, studio_id)
        if studio is None:
            raise NotFound("No such studio.")
        return studio

    @retry_on_concurrent_change
    def update(
        self,
        account_id: str,
        studio_id: str,
        *,
        name: str | None = None,
        auto_go_live: bool | None = None,
    ) -> Studio:
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            require_version(studio.version)
            if apply_changes(studio, given(name=name, auto_go_live=auto_go_live)):
                studio.updated_at = utcnow()
                uow.commit()
            return studio


def require_studio(uow: UnitOfWork, account_id: str, studio_id: str) -> Studio:
    """The account's studio, or 404 (another account's studio is indistinguishable)."""
    studio = uow.studios.get(account_id, studio_id)
    if studio is None:
        raise NotFound("No such studio.")
    return studio
