"""Entry script of the frozen GovDesk executables (`govdesk` and `govdesk-cli`).

Frozen executables cannot run `python -c ...`, so the self-test's Qt probe (which must
run in a child process, because Qt aborts the whole process when it cannot open a
display) re-enters this script with GOVDESK_SELFTEST_QT_PROBE=1 instead.
"""

import os
import sys

if os.environ.get("GOVDESK_SELFTEST_QT_PROBE") == "1":
    # The frozen self-test's Qt probe child (client.selftest stays Qt-free).
    from client.ui.qt_probe import main as run_qt_probe

    sys.exit(run_qt_probe())

from client.__main__ import main  # noqa: E402

sys.exit(main())
