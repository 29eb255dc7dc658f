#!/usr/bin/env python3
"""Writes the seed corpus tests/fuzz/corpus/simple/: one valid simple-framing datagram per file
(docs/simple-framing.md): the two examples of §10, each long-header type, and short-header
packets with every frame type, including ACKs with many ranges."""
import pathlib

VERSION = bytes.fromhex("6d716631")  # §2
DCID8 = bytes.fromhex("0102030405060708")
CID16 = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
CLIENT_CID = bytes.fromhex("c1c2")


def varint(value):
    """RFC 9000 §16, minimal form."""
    for size, bits in ((1, 0x00), (2, 0x40), (4, 0x80), (8, 0xC0)):
        if value < 1 << (8 * size - 2):
            raw = value.to_bytes(size, "big")
            return bytes([raw[0] | bits]) + raw[1:]
    raise ValueError(value)


def long_header(packet_type, dcid, scid):
    """§3.1"""
    return (bytes([0xC0 | packet_type << 4]) + VERSION + bytes([len(dcid)]) + dcid
            + bytes([len(scid)]) + scid)


def params(max_datagram=1200, window=65536, idle_ms=30000):
    """§3.3"""
    return varint(max_datagram) + varint(window) + varint(idle_ms)


def hello(dcid, scid, cookie, pad_to=128):
    packet = long_header(0, dcid, scid) + bytes([len(cookie)]) + cookie + params()
    return packet + bytes(max(0, pad_to - len(packet)))


def ack(ranges, delay=0):
    """§4.1: `ranges` are (smallest, largest), descending."""
    (smallest, largest) = ranges[0]
    out = b"\x02" + varint(largest) + varint(delay) + varint(len(ranges) - 1)
    out += varint(largest - smallest)
    for (lo, hi) in ranges[1:]:
        out += varint(smallest - hi - 2) + varint(hi - lo)
        smallest = lo
    return out


def stream(offset, data, fin=False):
    """§4.2"""
    return bytes([0x09 if fin else 0x08]) + varint(offset) + varint(len(data)) + data


def close(code, reason):
    """§4.4"""
    return b"\x1c" + varint(code) + varint(len(reason)) + reason


def short(pn, frames, dcid=b""):
    """§3.2"""
    return b"\x40" + dcid + varint(pn) + b"".join(frames)


COOKIE = bytes(range(0x30, 0x48))  # 24 bytes, like mqttd-gw's
TOKEN = bytes(range(16))

SEEDS = {
    "spec_hello": hello(DCID8, b"", b""),
    "spec_short": bytes.fromhex("40 00 02 04 00 00 04 08 00 04 20 02 00 00"),
    "hello_cookie": hello(DCID8, CLIENT_CID, COOKIE, pad_to=160),
    "cookie": long_header(1, CLIENT_CID, DCID8) + bytes([len(COOKIE)]) + COOKIE,
    "accept": long_header(2, CLIENT_CID, CID16) + params(1452, 1 << 20, 60000) + TOKEN,
    "refuse": long_header(3, CLIENT_CID, DCID8) + varint(0x02) + varint(4) + b"full",
    "short_ack_ranges": short(9, [ack([(98, 100), (89, 93), (87, 87), (0, 0)], 1000)]),
    "short_ack_max_ranges": short(1, [ack([(1000 - 2 * i, 1000 - 2 * i) for i in range(65)])],
                                  CID16),
    "short_stream_fin": short(300, [stream(70000, b"\xe0\x00", fin=True)], CID16),
    "short_ping_max_data_padding": short(5, [b"\x01", b"\x10" + varint(1 << 20), bytes(6)]),
    "short_close": short(7, [close(0x0A, b"bad frame")], CID16),
    "short_all_frames": short(16384, [
        ack([(10, 20), (0, 5)], 25), stream(0, b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"),
        stream(14, b"", fin=True), b"\x10" + varint(131072), b"\x01", close(0x100, b"upstream"),
        bytes(3)], CID16),
}

out = pathlib.Path(__file__).resolve().parent / "corpus" / "simple"
out.mkdir(parents=True, exist_ok=True)
for name, data in SEEDS.items():
    (out / name).write_bytes(data)
