"""voiceclose app: start the local web app, print its link, open the browser."""

from __future__ import annotations

import argparse
import sys

from voiceclose.cli.status import EXIT_COMPLETE
from voiceclose.cli.terminal import native_stderr_silenced


def run(args: argparse.Namespace) -> int:
    from voiceclose.web.security import new_token
    from voiceclose.web.server import serve

    def ready(url: str) -> None:
        print(f"voiceclose app: {url}", flush=True)
        print(
            "Open that link in a browser on this machine; Ctrl-C stops the app.",
            file=sys.stderr,
            flush=True,
        )
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        with native_stderr_silenced():  # PortAudio's own noise, when the microphone opens
            serve(new_token(), port=args.port or None, model=args.model, on_ready=ready)
    except KeyboardInterrupt:  # uvicorn has already shut down cleanly; it passes Ctrl-C on
        pass
    print("voiceclose app: stopped", file=sys.stderr)
    return EXIT_COMPLETE
