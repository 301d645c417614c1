"""The command line: parse arguments, call the app's use cases, print what they return.

Exit status: 0 every input checked and complete; 1 every input checked, something missed;
2 usage error; 3 at least one input could not be checked (the others are still reported).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from voiceclose.cli.parser import build_parser
from voiceclose.cli.status import EXIT_COMPLETE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    from voiceclose.errors import UsageError, VoicecloseError
    from voiceclose.report.writers import printable  # a name in a message never fakes a line

    try:
        return args.handler(args)
    except UsageError as e:
        print(f"voiceclose: {printable(str(e))}", file=sys.stderr)
        return EXIT_USAGE
    except VoicecloseError as e:
        print(f"voiceclose: {printable(str(e))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("voiceclose: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (voiceclose ... | head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_COMPLETE
