"""AMQP 1.0 message sections, read and written at the byte level.

The broker stores each message exactly as the sender encoded it and only rewrites the sections
a broker owns (header, delivery and message annotations, and the dead-letter application
properties) when it hands the message out. Going through `proton.Message` instead would lose
what it cannot represent: several data sections, and the SDK's batch envelope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from proton import Data, DataException, Described, symbol, uint, ulong

HEADER = 0x70
DELIVERY_ANNOTATIONS = 0x71
MESSAGE_ANNOTATIONS = 0x72
PROPERTIES = 0x73
APPLICATION_PROPERTIES = 0x74
DATA = 0x75
AMQP_SEQUENCE = 0x76
AMQP_VALUE = 0x77
FOOTER = 0x78

BODY_SECTIONS = frozenset({DATA, AMQP_SEQUENCE, AMQP_VALUE})
# Sections the broker writes itself on every delivery; the sender's copies are replaced.
BROKER_OWNED_SECTIONS = frozenset({HEADER, DELIVERY_ANNOTATIONS})


class SectionsError(ValueError):
    """The bytes are not a sequence of AMQP message sections."""


@dataclass(frozen=True)
class Section:
    """One encoded section of a message: its descriptor code and its bytes, descriptor included."""

    code: int
    encoded: bytes

    def value(self) -> Any:
        """The section's decoded content (a list, map, binary, ...)."""
        return decode_value(self.encoded).value


def decode_value(encoded: bytes) -> Any:
    data = Data()
    data.decode(encoded)
    data.rewind()
    data.next()
    # Copy while `data` is alive: proton's binaries are views into its buffer.
    return _plain(data.get_object())


def encode_value(value: Any) -> bytes:
    data = Data()
    data.put_object(value)
    return bytes(data.encode())


def encode_section(code: int, value: Any) -> bytes:
    return encode_value(Described(ulong(code), value))


def split_sections(encoded: bytes) -> list[Section]:
    """Cut an encoded message into its sections; SectionsError if anything else is there."""
    sections: list[Section] = []
    offset = 0
    while offset < len(encoded):
        data = Data()
        try:
            consumed = data.decode(encoded[offset:])
        except DataException as error:
            raise SectionsError(f"undecodable bytes at offset {offset}") from error
        data.rewind()
        data.next()
        described = data.get_object()
        if not isinstance(described, Described) or not isinstance(described.descriptor, int):
            raise SectionsError(f"value at offset {offset} is not a message section")
        code = int(described.descriptor)
        if not HEADER <= code <= FOOTER:
            raise SectionsError(f"unknown section descriptor {code:#x}")
        sections.append(Section(code, encoded[offset : offset + consumed]))
        offset += consumed
    if not sections:
        raise SectionsError("an AMQP message has at least one section")
    return sections


def unbatch(encoded: bytes) -> list[bytes]:
    """The messages in one transfer: several for an SDK batch, otherwise the transfer itself.

    The SDK sends `send_messages([...])` and `ServiceBusMessageBatch` as one transfer with
    message-format 0x80013700, whose data sections each hold a whole encoded message. proton's
    Python API does not expose a delivery's message-format, so a batch is recognised by its
    shape instead: every body section is a data section that is itself a complete message.
    A single message whose payload happens to be an encoded AMQP message would be unpacked
    too; nothing in this project sends such a thing.
    """
    sections = split_sections(encoded)
    bodies = [section for section in sections if section.code in BODY_SECTIONS]
    if not bodies or any(section.code != DATA for section in bodies):
        return [encoded]
    inner = [bytes(section.value()) for section in bodies]
    if not all(_is_message(candidate) for candidate in inner):
        return [encoded]
    return inner


def _is_message(candidate: bytes) -> bool:
    if not candidate.startswith(b"\x00\x53"):
        return False
    try:
        sections = split_sections(candidate)
    except SectionsError:
        return False
    return any(section.code in BODY_SECTIONS for section in sections)


@dataclass(frozen=True)
class DecodedMessage:
    """The parts of a request message that the $cbs and $management nodes read."""

    message_id: Any
    application_properties: dict[str, Any]
    body: Any


def decode_message(encoded: bytes) -> DecodedMessage:
    # Not proton.Message: its decoded binaries are views into a buffer it may free.
    sections = split_sections(encoded)
    properties = _first_value(sections, PROPERTIES) or []
    return DecodedMessage(
        message_id=properties[0] if properties else None,
        application_properties=dict(_first_value(sections, APPLICATION_PROPERTIES) or {}),
        body=_first_value(sections, AMQP_VALUE),
    )


def section_value(encoded: bytes, code: int) -> Any:
    """The content of the first section with this descriptor, or None."""
    for section in split_sections(encoded):
        if section.code == code:
            return section.value()
    return None


def rewrite(
    encoded: bytes,
    *,
    delivery_count: int,
    delivery_annotations: Mapping[Any, Any],
    message_annotations: Mapping[Any, Any],
    application_properties: Mapping[str, Any] | None = None,
) -> bytes:
    """The message as the broker hands it out: broker sections replaced, annotations merged.

    The sender's header fields (durable, priority, ttl) are kept; the delivery count is the
    broker's. `application_properties`, when given, are merged into the sender's (dead-letter
    reason and description live there in Service Bus).
    """
    sections = split_sections(encoded)
    header = list(_first_value(sections, HEADER) or [])
    header += [None] * (5 - len(header))
    header[4] = uint(delivery_count)
    kept = [s for s in sections if s.code not in BROKER_OWNED_SECTIONS]
    annotations = dict(_first_value(kept, MESSAGE_ANNOTATIONS) or {})
    annotations.update(message_annotations)
    out = [
        encode_section(HEADER, header),
        encode_section(DELIVERY_ANNOTATIONS, _symbol_keys(delivery_annotations)),
        encode_section(MESSAGE_ANNOTATIONS, _symbol_keys(annotations)),
    ]
    rest = [s for s in kept if s.code != MESSAGE_ANNOTATIONS]
    if application_properties:
        merged = dict(_first_value(rest, APPLICATION_PROPERTIES) or {})
        merged.update(application_properties)
        encoded_properties = Section(
            APPLICATION_PROPERTIES, encode_section(APPLICATION_PROPERTIES, merged)
        )
        rest = _put_application_properties(rest, encoded_properties)
    out.extend(section.encoded for section in rest)
    return b"".join(out)


def _put_application_properties(sections: list[Section], replacement: Section) -> list[Section]:
    if any(s.code == APPLICATION_PROPERTIES for s in sections):
        return [replacement if s.code == APPLICATION_PROPERTIES else s for s in sections]
    # Section order is fixed by the spec: application-properties come right after properties.
    insert_at = sum(1 for s in sections if s.code < APPLICATION_PROPERTIES)
    return [*sections[:insert_at], replacement, *sections[insert_at:]]


def _first_value(sections: Iterable[Section], code: int) -> Any:
    return next((s.value() for s in sections if s.code == code), None)


def _symbol_keys(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    # Annotation keys must be symbols (AMQP 1.0 §3.2.10); a decoded map gives them back as str.
    return {symbol(key) if isinstance(key, str) else key: value for key, value in mapping.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, Described):
        return Described(value.descriptor, _plain(value.value))
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
