"""The same official on two PCs (two data directories): both converge on the platform's view."""

from __future__ import annotations

import os
from pathlib import Path

from synckit import (
    cache_versions,
    login,
    pending_tasks,
    platform_view,
    sign,
    use_home,
    versions,
)

from client import models
from client.session import Profile


def test_same_user_on_two_pcs_reconciles(fresh_platform, monkeypatch, tmp_path) -> None:
    platform = fresh_platform
    office, home = Path(os.environ["GOVDESK_HOME"]), tmp_path / "home-pc"

    pc1 = login(platform, "zhangjianguo")
    t1, t2 = pending_tasks(pc1)[:2]
    pc1.close()
    use_home(monkeypatch, home)
    pc2 = login(platform, "zhangjianguo")
    assert pc2.info.device_id != ""  # its own device, its own key
    pc2_key = pc2.info.signing_key_id
    pc2.close()

    # Office PC signs t1; home PC signs t2; each syncs in turn.
    use_home(monkeypatch, office)
    pc1 = Profile.resume(platform.base_url, "zhangjianguo")
    assert pc1.info.signing_key_id != pc2_key
    sign(pc1, models.Task.get_by_id(t1.id), "办公室电脑：同意。")
    assert pc1.sync().pushed == {"applied": 1}
    pc1.close()
    use_home(monkeypatch, home)
    pc2 = Profile.resume(platform.base_url, "zhangjianguo")
    sign(pc2, models.Task.get_by_id(t2.id), "家中电脑：同意。")
    assert pc2.sync().pushed == {"applied": 1}
    assert models.Task.get_by_id(t1.id).status == "done"  # the office's work arrived
    view = versions(platform_view(platform, "zhangjianguo"))
    assert cache_versions() == view
    # Both opinions verify here, though one was signed with the other PC's key.
    assert pc2.services is not None
    for task in (t1, t2):
        detail = pc2.services.documents.get(task.document_id)
        mine = [o for o in detail.opinions if o.task_id == task.id]
        assert [o.verdict.value for o in mine] == ["valid"]
    pc2.close()

    use_home(monkeypatch, office)
    pc1 = Profile.resume(platform.base_url, "zhangjianguo")
    pc1.sync()
    assert cache_versions() == view
    pc1.close()
