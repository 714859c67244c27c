"""An honest outcome when the link dies in the file phase (issue 12 item 5).

The CLI `sync` runs through tests/support/faultproxy.py, which cuts the link while the
first file request (a GET or a POST /blobs/batch, which carries all the small files in
one answer) is on its way: the ops and changes are in, files of pending work are
missing. The sync says how many, exits with its own code (5), and the next sync, with
the link back, resumes and ends complete.
"""

from __future__ import annotations

import re
from typing import Any

from synckit import PASSWORD, run_cli

from client.services import sync_status
from client.session import Profile
from tests.support.faultproxy import FaultProxy


def test_link_cut_mid_file_phase_is_incomplete_then_resumed(fresh_platform: Any) -> None:
    with FaultProxy(fresh_platform.port) as proxy:
        Profile.login(proxy.base_url, "zhangjianguo", PASSWORD).close()
        blob_gets: list[str] = []

        def cut_on_first_file(method: str, path: str) -> None:
            # Files come one GET each or many per POST /blobs/batch (issue 14): the first
            # file request of either kind is the one the link dies under.
            if path.startswith("/api/v1/blobs/"):
                blob_gets.append(path)
                if len(blob_gets) == 1:
                    proxy.set_down(True)  # the link dies while this file is on its way

        proxy.on_request = cut_on_first_file
        first = run_cli("sync")
        assert first.returncode == 5, first.stdout + first.stderr
        match = re.search(r"所需的 (\d+) 个文件尚未下载", first.stdout)
        assert match, first.stdout
        assert int(match.group(1)) >= 1
        assert "同步未完成" in first.stdout and "同步完成" not in first.stdout
        # The one sync state says the same (the GUI's status bar reads it).
        assert _files_missing(proxy) == int(match.group(1))

        proxy.on_request = None
        proxy.set_down(False)
        second = run_cli("sync")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "同步完成" in second.stdout
        fetched = int(re.search(r"下载文件 (\d+) 个", second.stdout).group(1))  # type: ignore[union-attr]
        assert fetched >= int(match.group(1))
        assert _files_missing(proxy) == 0


def _files_missing(proxy: FaultProxy) -> int:
    profile = Profile.resume(proxy.base_url, "zhangjianguo")
    try:
        with profile.cache_context():
            return sync_status.read(online=False).files_missing
    finally:
        profile.close()
