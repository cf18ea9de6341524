"""`lms keys generate`: a new RSA key for signing certificates' credentials.

    lms keys generate                      # into CERTIFICATE_SIGNING_KEY's file, if it has none
    lms keys generate --output key.pem     # into a new file of your choice
    lms keys generate --stdout             # print it, to paste into a Key Vault secret

A file is created readable by its owner only, and never replaces one: replacing the key would
make every credential signed so far fail verification (rotating keys is a deliberate step).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_keys_generate(args: argparse.Namespace) -> int:
    from shared.config import get_settings
    from shared.security.signing_keys import KEY_BITS, PEM_HEADER, generate_pem, write_pem

    pem = generate_pem(args.bits or KEY_BITS)
    if args.stdout:
        sys.stdout.write(pem)
        return 0
    target = args.output
    if target is None:
        configured = get_settings().CERTIFICATE_SIGNING_KEY.strip()
        if configured.startswith(PEM_HEADER):
            print(
                "lms: CERTIFICATE_SIGNING_KEY holds a key already; use --output FILE or --stdout",
                file=sys.stderr,
            )
            return 1
        target = Path(configured).expanduser()
    try:
        write_pem(target, pem)
    except FileExistsError:
        print(
            f"lms: {target} exists; it was kept (replacing it would invalidate every credential "
            "signed with it). Choose another --output.",
            file=sys.stderr,
        )
        return 1
    print(f"Wrote a new {args.bits or KEY_BITS}-bit RSA signing key to {target} (mode 0600).")
    return 0


def add_key_commands(commands: Any) -> None:
    keys = commands.add_parser("keys", help="signing keys of certificates' credentials")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    generate = actions.add_parser(
        "generate", help="make a new RSA key (into CERTIFICATE_SIGNING_KEY's file by default)"
    )
    where = generate.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, help="write the PEM to this new file")
    where.add_argument("--stdout", action="store_true", help="print the PEM instead")
    generate.add_argument(
        "--bits", type=int, choices=(2048, 3072, 4096), help="key size (default 3072)"
    )
    generate.set_defaults(handler=cmd_keys_generate)
