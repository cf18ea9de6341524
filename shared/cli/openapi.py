"""`lms openapi`: write the OpenAPI 3.1 document, or a Postman collection, of every route."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def cmd_openapi(args: argparse.Namespace) -> int:
    import function_app  # noqa: F401  (registers every route in ROUTES)
    from shared.config import get_settings
    from shared.http.openapi import build_document
    from shared.http.postman import build_collection
    from shared.http.registry import ROUTES
    from shared.version import __version__

    document: dict[str, Any] = build_document(
        ROUTES.values(), title=get_settings().APP_NAME, version=__version__
    )
    if args.postman:
        document = build_collection(document, args.base_url)
    text = json.dumps(document, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text)
    except OSError as exc:
        print(
            f"lms: cannot write {args.output}: {exc.strerror}; choose another --output",
            file=sys.stderr,
        )
        return 1
    what = "Postman collection" if args.postman else "OpenAPI document"
    print(f"Wrote the {what} to {args.output}.")
    return 0


def add_openapi_commands(commands: Any) -> None:
    openapi = commands.add_parser(
        "openapi", help="write the OpenAPI 3.1 document (or a Postman collection) of the API"
    )
    openapi.add_argument(
        "--postman", action="store_true", help="write a Postman collection (v2.1) instead"
    )
    openapi.add_argument("--output", "-o", help="file to write (default: standard output)")
    openapi.add_argument(
        "--base-url",
        default="http://localhost:7071",
        help="the collection's baseUrl variable (default http://localhost:7071)",
    )
    openapi.set_defaults(handler=cmd_openapi)
