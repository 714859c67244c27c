"""Services over the local cache: plain Python, no Qt. The UI calls them from a worker.

`Services` bundles them for one signed-in user; client/session.py builds it after
`client.db.open_cache(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from client.blobstore import BlobStore
from client.types import UserId

if TYPE_CHECKING:  # the modules import this package: load them lazily below
    from client.services.clerk_desk import ClerkDeskService
    from client.services.directory import DirectoryService
    from client.services.documents import DocumentService
    from client.services.drafting import DraftingService
    from client.services.exchange import ExchangeService
    from client.services.inbox import InboxService
    from client.services.notes import NotesService
    from client.services.notices import NoticeService
    from client.services.outgoing import OutgoingService
    from client.services.phrases import PhraseService
    from client.services.recall import RecallService
    from client.services.signoff import SignoffService


@dataclass
class Services:
    me: UserId
    blobs: BlobStore
    inbox: InboxService = field(init=False)
    documents: DocumentService = field(init=False)
    signoff: SignoffService = field(init=False)
    recall: RecallService = field(init=False)
    notices: NoticeService = field(init=False)
    phrases: PhraseService = field(init=False)
    directory: DirectoryService = field(init=False)
    drafting: DraftingService = field(init=False)
    outgoing: OutgoingService = field(init=False)
    exchange: ExchangeService = field(init=False)      # 公文交换: 待签收, 签收, 回执
    clerk_desk: ClerkDeskService = field(init=False)   # 收发: 登记, 分办, 催办, 办结
    notes: NotesService = field(init=False)            # 留言

    def __post_init__(self) -> None:
        from client.services.clerk_desk import ClerkDeskService
        from client.services.directory import DirectoryService
        from client.services.documents import DocumentService
        from client.services.drafting import DraftingService
        from client.services.exchange import ExchangeService
        from client.services.inbox import InboxService
        from client.services.notes import NotesService
        from client.services.notices import NoticeService
        from client.services.outgoing import OutgoingService
        from client.services.phrases import PhraseService
        from client.services.recall import RecallService
        from client.services.signoff import SignoffService

        self.inbox = InboxService(self.me)
        self.documents = DocumentService(self.me, self.blobs)
        self.signoff = SignoffService(self.me, self.blobs)
        self.recall = RecallService(self.me)
        self.notices = NoticeService(self.me, self.blobs)
        self.phrases = PhraseService(self.me)
        self.directory = DirectoryService()
        self.drafting = DraftingService(self.me, self.blobs)
        self.outgoing = OutgoingService(self.me, self.blobs)
        self.exchange = ExchangeService(self.me)
        self.clerk_desk = ClerkDeskService(self.me, self.blobs)
        self.notes = NotesService(self.me)
