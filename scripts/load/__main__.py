"""The load test's one entry: ``python -m scripts.load [room] [flags]``.

Without a subcommand it runs the ε test (``epsilon_command``: sessions moving ε on the Explore
page); ``room`` runs a workshop room's three activities (``room_command``). ``--help`` after
either shows its flags.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The ε test keeps its flags at the top level (the command lines in docs/load_test.md), so
    # `room` is the only subcommand; each command imports only what it runs.
    if argv[:1] == ["room"]:
        from scripts.load.room_command import main as room_main

        return room_main(argv[1:])
    from scripts.load.epsilon_command import main as epsilon_main

    return epsilon_main(argv)


if __name__ == "__main__":
    sys.exit(main())
