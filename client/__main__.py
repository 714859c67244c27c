"""`python -m client`: the GUI by default, or a command-line subcommand.

    python -m client                      the desktop app (client.ui.app)
    python -m client --demo               the app against a local demo platform
    python -m client --screenshot PATH [--view NAME]
    python -m client login|sync|status|logout|verify|export|keys|diagnose ...
    python -m client inbox|show|sign|notices|ack ...   (docs/cli.md)
    python -m client exchange|receive|refuse ...       (the clerk's 待签收 box)
    python -m client --self-test

The GUI module is imported only when the GUI is wanted: the command line never loads Qt.
"""

from __future__ import annotations

import sys

SUBCOMMANDS = frozenset({"login", "sync", "status", "logout", "verify", "export", "keys",
                         "diagnose", "--self-test",
                         "inbox", "show", "sign", "notices", "ack",
                         "exchange", "receive", "refuse"})


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--pdf-text-worker":  # internal: client/bodytext.py's child
        from client import pdftext_worker

        return pdftext_worker.main(args[1:])
    if args and (args[0] in SUBCOMMANDS or args[0] in ("-h", "--help")):
        from client import cli

        if args[0] in ("-h", "--help"):
            cli.build_parser().print_help()
            return 0
        return cli.main(args)
    from client.ui import app  # GUI, --demo, --screenshot: the UI engineer's entry point

    return int(app.main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
