"""Runs a WebSocket server and client on loopback and records what each one sent.

Usage: /usr/bin/python3 peers.py VARIANT PORT SENT_JSONL
       /usr/bin/python3 peers.py --check CAPTURE.pcap

The second form checks that a capture holds one TCP connection whose two byte streams
are complete (no sequence number skipped): tcpdump on lo has been seen to miss a packet.

Both peers are python3-websockets 10.4 (Debian's), in one process, talking over
127.0.0.1:PORT while tcpdump records the port (see make-deflate-captures.sh). They
follow one script: the client sends a message or a ping, the server answers with
the messages and pings the plan gives it, and the client waits for all of them
before the next step, so the order on each direction is fixed. At the end the
client closes with 1000 "bye" and the server echoes the close.

Every message a peer puts on the wire, pongs and closes included, becomes one
JSON line in SENT_JSONL, in the order that peer sent them:
  {"direction": "client"|"server", "opcode": "TEXT"|"BINARY"|"PING"|"PONG"|"CLOSE",
   "length": payload bytes before compression, "sha256": of those bytes,
   "fragments": frames, "compressed": sent under permessage-deflate}
A close's payload is its 2-byte status code and its reason, as on the wire.
"""

import asyncio
import hashlib
import json
import random
import socket
import struct
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

MSS = 1400

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima "
    "mike november oscar papa quebec romeo sierra tango uniform victor whiskey "
    "xray yankee zulu tapflow frame header payload mask opcode deflate window "
    "message continuation ping pong close status reason sensor kafka stream "
    "capture segment gap offset length buffer record topic partition chat user"
).split()


def text_of(seed, length):
    """ASCII words drawn from a small vocabulary: deterministic, and compressible."""
    rng = random.Random(seed)
    parts = []
    size = 0
    while size < length:
        word = rng.choice(WORDS) + ("\n" if rng.random() < 0.1 else " ")
        parts.append(word)
        size += len(word)
    return "".join(parts)[:length]


def binary_of(seed, length):
    """16-byte records: a counter and fields drawn from a few values; compressible."""
    rng = random.Random(seed)
    kinds = [bytes([k] * 4) for k in (0x00, 0x11, 0x7F, 0xC3)]
    out = bytearray()
    i = 0
    while len(out) < length:
        out += struct.pack("!I", i)
        out += rng.choice(kinds)
        out += struct.pack("!HHI", rng.randrange(8), rng.randrange(300), rng.randrange(1 << 20))
        i += 1
    return bytes(out[:length])


def payload_of(message):
    if isinstance(message, list):
        return b"".join(payload_of(part) for part in message)
    return message.encode("utf-8") if isinstance(message, str) else message


class Fragments:
    """A message sent as one frame per part, optionally with a ping after the first part."""

    def __init__(self, parts, ping=None):
        self.parts = parts
        self.ping = ping


def small_messages(tag):
    return [
        ("send", "Hello", [f"Hello from the server ({tag})"]),
        ("send", "héllo wörld ✓ " * 5, ["✓ " + "ünïcödé " * 10]),
        ("send", text_of(f"{tag}-1", 300), [text_of(f"{tag}-2", 500)]),
        # The same text twice: with context takeover the second refers back to the first.
        ("send", text_of(f"{tag}-3", 2000), [text_of(f"{tag}-3", 2000), text_of(f"{tag}-3", 2000)]),
        ("send", binary_of(f"{tag}-4", 1000), [binary_of(f"{tag}-5", 1500)]),
        ("ping", b"ping-1", []),
        ("send", "{\"type\":\"say\",\"text\":\"hi\"}", [("ping", b"srv-1"), "{\"type\":\"said\"}"]),
        ("send", b"", [""]),
    ]


def plan(variant):
    """The exchanges of a variant: (client action, client payload, server actions)."""
    if variant in ("deflate-context-takeover", "deflate-no-context-takeover", "plain"):
        steps = small_messages(variant)
        if variant == "plain":
            steps += [
                ("send", Fragments(["frag", "mented ", "text"], ping=b"mid"), [Fragments([b"\x01\x02", b"\x03"])]),
                ("send", text_of("plain-large", 70000), [binary_of("plain-large", 200000)]),
            ]
        return steps
    if variant == "deflate-window-bits":
        return small_messages(variant) + [
            ("send", text_of("wb-1", 20000), [text_of("wb-2", 20000)]),
            ("send", binary_of("wb-3", 9000), [binary_of("wb-3", 9000)]),
        ]
    if variant == "deflate-fragmented":
        return [
            ("send", "Hello", ["Hello"]),
            ("send", Fragments(["Hel", "lo ", "fragments"]), [Fragments(["Hello", " back"])]),
            (
                "send",
                Fragments([text_of("frag-1", 3000), text_of("frag-2", 3000), text_of("frag-1", 3000)], ping=b"mid"),
                [Fragments([binary_of("frag-3", 4000), binary_of("frag-3", 4000)]), "after"],
            ),
            ("send", Fragments([b"", b"\x00" * 100, b""]), [Fragments(["", "x", ""])]),
            ("ping", b"ping-2", []),
            ("send", Fragments([binary_of("frag-4", 10000)] * 3), [Fragments([text_of("frag-5", 700)] * 4)]),
        ]
    if variant == "deflate-large":
        return [
            ("send", "Hello", ["Hello"]),
            ("send", text_of("large-1", 70000), [text_of("large-2", 70000)]),
            ("send", binary_of("large-3", 200000), [binary_of("large-4", 200000)]),
            ("send", text_of("large-1", 70000), ["ok"]),
        ]
    raise SystemExit(f"unknown variant {variant}")


def extensions(variant):
    """(server extension factories, client extension factories) or None for no compression."""
    if variant == "plain":
        return None
    if variant == "deflate-no-context-takeover":
        params = dict(server_no_context_takeover=True, client_no_context_takeover=True)
    elif variant == "deflate-window-bits":
        params = dict(server_max_window_bits=9, client_max_window_bits=10)
    else:
        params = {}
    return [ServerPerMessageDeflateFactory(**params)], [ClientPerMessageDeflateFactory(**params)]


class Log:
    def __init__(self):
        self.lines = []

    def sent(self, direction, opcode, payload, fragments=1, compressed=False):
        self.lines.append(
            {
                "direction": direction,
                "opcode": opcode,
                "length": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
                "fragments": fragments,
                "compressed": compressed,
            }
        )


async def send(ws, direction, log, message):
    """Sends one message the way the plan says and logs it (and any ping in the middle)."""
    compressed = bool(ws.extensions)
    if isinstance(message, tuple) and message[0] == "ping":
        waiter = await ws.ping(message[1])
        log.sent(direction, "PING", message[1])
        await waiter
        log.sent(other(direction), "PONG", message[1])
        return
    if isinstance(message, Fragments):
        parts = message.parts

        async def fragments():
            for i, part in enumerate(parts):
                yield part
                if i == 0 and message.ping is not None:
                    waiter = await ws.ping(message.ping)
                    log.sent(direction, "PING", message.ping)
                    await waiter
                    log.sent(other(direction), "PONG", message.ping)

        await ws.send(fragments())
        opcode = "TEXT" if isinstance(parts[0], str) else "BINARY"
        # websockets ends a fragmented message with an empty final continuation frame.
        log.sent(direction, opcode, payload_of(parts), len(parts) + 1, compressed)
        return
    await ws.send(message)
    opcode = "TEXT" if isinstance(message, str) else "BINARY"
    log.sent(direction, opcode, payload_of(message), 1, compressed)


def loopback_socket(port=None):
    """A TCP socket whose segments carry at most MSS bytes, as on Ethernet (loopback's GSO
    still hands tcpdump several segments at once)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
    if port is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    return sock


def other(direction):
    return "server" if direction == "client" else "client"


def close_payload(close):
    return struct.pack("!H", close.code) + close.reason.encode("utf-8")


def replies(step):
    return [m for m in step[2] if not (isinstance(m, tuple) and m[0] == "ping")]


async def main(variant, port, out):
    steps = plan(variant)
    exts = extensions(variant)
    log = Log()
    server_done = asyncio.get_running_loop().create_future()

    async def handler(ws, path):
        try:
            for step in steps:
                if step[0] == "ping":
                    continue  # the library answers the client's ping itself
                await ws.recv()
                for message in step[2]:
                    await send(ws, "server", log, message)
            await ws.wait_closed()
        finally:
            server_done.set_result(ws.close_sent)

    server_kwargs = dict(ping_interval=None, max_size=None)
    client_kwargs = dict(ping_interval=None, max_size=None)
    if exts is None:
        server_kwargs["compression"] = None
        client_kwargs["compression"] = None
    else:
        server_kwargs["extensions"], client_kwargs["extensions"] = exts

    listening = loopback_socket(port)
    connecting = loopback_socket()
    async with websockets.serve(handler, sock=listening, **server_kwargs):
        connecting.setblocking(False)
        await asyncio.get_running_loop().sock_connect(connecting, ("127.0.0.1", port))
        uri = f"ws://127.0.0.1:{port}/{variant}"
        async with websockets.connect(uri, sock=connecting, **client_kwargs) as ws:
            for step in steps:
                if step[0] == "ping":
                    await send(ws, "client", log, ("ping", step[1]))
                    continue
                await send(ws, "client", log, step[1])
                for _ in replies(step):
                    await ws.recv()
            log.sent("client", "CLOSE", struct.pack("!H", 1000) + b"bye")
            await ws.close(1000, "bye")
            sent = ws.close_sent
            assert close_payload(sent) == struct.pack("!H", 1000) + b"bye", sent
        server_close = await server_done
        log.sent("server", "CLOSE", close_payload(server_close))

    with open(out, "w") as f:
        for line in log.lines:
            f.write(json.dumps(line, sort_keys=True) + "\n")


def check(path):
    """Exits non-zero unless every payload byte of both directions was captured, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", data[20:24])[0] != 1:
        raise SystemExit(f"{path}: not a little-endian microsecond pcap of Ethernet frames")
    at = 24
    isn = {}
    expected = {}
    while at + 16 <= len(data):
        caplen, wirelen = struct.unpack("<II", data[at + 8 : at + 16])
        frame = data[at + 16 : at + 16 + caplen]
        at += 16 + caplen
        if caplen != wirelen or struct.unpack("!H", frame[12:14])[0] != 0x0800:
            raise SystemExit(f"{path}: cut or non-IPv4 packet")
        ihl = (frame[14] & 0x0F) * 4
        total = struct.unpack("!H", frame[16:18])[0]
        tcp = 14 + ihl
        sport = struct.unpack("!H", frame[tcp : tcp + 2])[0]
        seq = struct.unpack("!I", frame[tcp + 4 : tcp + 8])[0]
        flags = frame[tcp + 13]
        payload = 14 + total - (tcp + (frame[tcp + 12] >> 4) * 4)
        if flags & 0x02:
            isn[sport] = seq
            expected[sport] = 0
            continue
        offset = (seq - isn[sport] - 1) & 0xFFFFFFFF
        if payload and offset != expected[sport]:
            raise SystemExit(f"{path}: port {sport} skips from {expected[sport]} to {offset}")
        expected[sport] = max(expected[sport], offset + payload)


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
