"""``python -m analysis``: see :mod:`analysis.cli`."""
import signal
import sys

from analysis.cli import main

if __name__ == "__main__":
    try:
        code = main()
    except KeyboardInterrupt:
        # A signal landing after the build reported its end (while its handlers were being
        # put back, or from a worker pool shutting down) must not turn the exit code into a
        # death by SIGINT (-2): an interruption is exit code 130 (CI saw -2 twice).
        code = 130
    if code == 130:
        # The interruption is reported; a further signal during interpreter shutdown must not
        # change the exit code either.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    sys.exit(code)
