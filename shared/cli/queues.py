"""`lms dlq ...` and `lms jobs status`: dead letters and queue depths, on either broker."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from shared import bootstrap
from shared.domain.errors import DependencyUnavailableError
from shared.messages.base import QUEUES
from shared.messaging.broker import Broker


def _broker() -> Broker:
    return bootstrap.current().broker


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def cmd_jobs_status(args: argparse.Namespace) -> int:
    deps = bootstrap.current()
    broker = _broker()
    print(f"broker: {deps.settings.BROKER}")
    try:
        deps.mail.check()
        print(f"mail: {deps.settings.MAIL_TRANSPORT} up")
    except DependencyUnavailableError as exc:
        print(f"mail: {deps.settings.MAIL_TRANSPORT} DOWN: {exc.detail}")
    print(f"{'queue':<14}{'active':>8}{'scheduled':>11}{'oldest':>9}{'dead-lettered':>15}")
    for queue in QUEUES:
        stats = broker.stats(queue)
        more = "+" if stats.capped else ""
        print(
            f"{queue:<14}{f'{stats.active}{more}':>8}{f'{stats.scheduled}{more}':>11}"
            f"{_age(stats.oldest_active_age_seconds):>9}{f'{stats.dead_lettered}{more}':>15}"
        )
    return 0


def cmd_dlq_list(args: argparse.Namespace) -> int:
    letters = _broker().dead_letters(args.queue, limit=args.limit)
    if not letters:
        print(f"The dead-letter queue of {args.queue} is empty.")
        return 0
    print(f"{len(letters)} dead letter(s) in {args.queue} (oldest first, at most {args.limit}):")
    for letter in letters:
        print(
            f"  {letter.message_id}  {letter.subject or '-'}  deliveries={letter.delivery_count}"
            f"  reason={letter.reason or '-'}"
        )
    print(f"Next: `lms dlq show --queue {args.queue} ID`, `lms dlq replay --queue {args.queue}`.")
    return 0


def cmd_dlq_show(args: argparse.Namespace) -> int:
    for letter in _broker().dead_letters(args.queue, limit=10_000):
        if letter.message_id == args.message_id:
            body: Any
            try:
                body = json.loads(letter.body)
            except ValueError:
                body = letter.body.decode("utf-8", errors="replace")
            shown = {
                "queue": letter.queue,
                "message_id": letter.message_id,
                "subject": letter.subject,
                "reason": letter.reason,
                "description": letter.description,
                "delivery_count": letter.delivery_count,
                "enqueued_at": letter.enqueued_at.isoformat() if letter.enqueued_at else None,
                "body": body,
            }
            print(json.dumps(shown, indent=2))
            return 0
    print(f"lms: no dead letter {args.message_id} in {args.queue}", file=sys.stderr)
    return 1


def _selection(args: argparse.Namespace) -> list[str] | None:
    if args.all == bool(args.message_ids):
        raise SystemExit("lms: name the message ids, or pass --all (not both)")
    return None if args.all else list(args.message_ids)


def cmd_dlq_replay(args: argparse.Namespace) -> int:
    count = _broker().replay_dead_letters(args.queue, _selection(args))
    print(f"Replayed {count} dead letter(s) onto {args.queue}.")
    return 0


def cmd_dlq_purge(args: argparse.Namespace) -> int:
    count = _broker().purge_dead_letters(args.queue, _selection(args))
    print(f"Deleted {count} dead letter(s) from {args.queue}.")
    return 0


def add_queue_commands(commands: Any) -> None:
    jobs = commands.add_parser("jobs", help="background jobs: what waits on each queue")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True, metavar="COMMAND")
    status = jobs_commands.add_parser("status", help="depth, oldest message and dead letters")
    status.set_defaults(handler=cmd_jobs_status)

    dlq = commands.add_parser("dlq", help="inspect, replay and purge dead-letter queues")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")

    def with_queue(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--queue", required=True, choices=QUEUES, help="the queue")
        return parser

    listing = with_queue(dlq_commands.add_parser("list", help="list dead letters"))
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(handler=cmd_dlq_list)

    show = with_queue(dlq_commands.add_parser("show", help="one dead letter, with its body"))
    show.add_argument("message_id", help="the dead letter's message id (from `lms dlq list`)")
    show.set_defaults(handler=cmd_dlq_show)

    for name, handler, verb in (
        ("replay", cmd_dlq_replay, "put back on the queue"),
        ("purge", cmd_dlq_purge, "delete"),
    ):
        parser = with_queue(dlq_commands.add_parser(name, help=f"{verb} dead letters"))
        parser.add_argument(
            "message_ids", nargs="*", metavar="MESSAGE_ID", help="message ids (`lms dlq list`)"
        )
        parser.add_argument("--all", action="store_true", help=f"{verb} every dead letter")
        parser.set_defaults(handler=handler)
