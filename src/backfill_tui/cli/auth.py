"""``backfill-tui auth set|status|delete PROVIDER``: tokens in the OS keyring.

``set`` reads the token from a hidden prompt (or stdin when piped) and never echoes it.
Where no keyring backend exists, it says so and points at the environment variable.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..engine.catalog import PROVIDERS, provider
from ..errors import UsageError


def register(sub: Any) -> None:
    auth = sub.add_parser(
        "auth",
        help="store, check or delete provider tokens in the OS keyring",
        description="Manage provider tokens in the OS keyring.",
    )
    auth.add_argument("action", choices=("set", "status", "delete"), help="what to do")
    auth.add_argument(
        "provider",
        nargs="?",
        metavar="PROVIDER",
        help=f"one of {', '.join(sorted(PROVIDERS))} (status: all when omitted)",
    )
    auth.set_defaults(handler=cmd_auth)


def cmd_auth(args: argparse.Namespace) -> int:
    import getpass

    from ..engine.credentials import delete_token, keyring_status, lookup, save_token

    names = [provider(args.provider).name] if args.provider else sorted(PROVIDERS)
    if args.action == "status":
        note = keyring_status()
        # Written at once, as the other commands' output is: a reader that leaves after its
        # first line (`| head -1`) then finds it all written (exit 0), not a pipe closed
        # between two lines (141: a tester's finding, with PYTHONUNBUFFERED set)
        lines = [f"note: {note}\n"] if note else []
        for name in names:
            info = provider(name)
            found = lookup(name, info.token_env)
            where = f"found in the {found.origin}" if found else f"missing (set {info.token_env})"
            if found:  # each token by its fingerprint, never itself (several rotate by quota)
                from ..engine.credentials import fingerprints

                where += f": {', '.join(fingerprints(found.value))}"
            lines.append(f"{info.label:<7} {where}\n")
        sys.stdout.write("".join(lines))
        return 0
    if not args.provider:
        raise UsageError(f"auth {args.action} needs a provider: {', '.join(sorted(PROVIDERS))}")
    info = provider(args.provider)
    note = keyring_status()
    if note and args.action == "set":  # before asking for a token that cannot be kept
        raise UsageError(f"{note}; set {info.token_env} instead")
    if args.action == "set":
        token = (
            getpass.getpass(f"{info.label} token(s), commas between: ")
            if sys.stdin.isatty()
            else sys.stdin.readline()
        )
        token = token.strip()
        if not token:
            raise UsageError("no token given; paste it at the prompt or pipe it on stdin")
        outcome = save_token(info.name, info.label, info.token_env, token)
    else:
        outcome = delete_token(info.name, info.label, info.token_env)
    if not outcome.done:
        raise UsageError(outcome.message)
    sys.stdout.write(f"{outcome.message}\n")
    return 0
