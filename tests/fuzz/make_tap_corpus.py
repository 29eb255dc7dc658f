#!/usr/bin/env python3
"""Writes the seed corpus of mqtt_tap_fuzz (tests/fuzz/corpus/tap): byte 0 bit 0 = MQTT 5,
byte 1 = piece size - 1, then client packets after the CONNECT (which the target adds)."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "tap")


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def publish(topic, payload, qos=0, pid=0, v5=False, alias=0, dup=False):
    body = struct.pack(">H", len(topic)) + topic.encode()
    if qos:
        body += struct.pack(">H", pid)
    if v5:
        props = b"\x23" + struct.pack(">H", alias) if alias else b""
        body += varint(len(props)) + props
    body += payload
    first = 0x30 | (qos << 1) | (0x08 if dup else 0)
    return bytes([first]) + varint(len(body)) + body


def pubrel(pid):
    return bytes([0x62, 0x02]) + struct.pack(">H", pid)


SEEDS = {
    "qos-mix-311": (0, 0, [publish("a/b", b"x"), publish("local/q1", b"y", 1, 1),
                           publish("s/q2", b"z", 2, 2), pubrel(2), publish("blocked/x", b"n", 1, 3)]),
    "qos2-dup-311": (0, 2, [publish("t/q2", b"once", 2, 7), publish("t/q2", b"once", 2, 7, dup=True),
                            pubrel(7), publish("t/q2", b"next", 2, 7), pubrel(7)]),
    "aliases-5": (1, 3, [publish("a/b", b"1", 1, 1, True, 1), publish("", b"2", 1, 2, True, 1),
                         publish("x/y", b"3", 0, 0, True, 2), publish("", b"4", 2, 3, True, 2),
                         pubrel(3)]),
    "many-topics-5": (1, 0, [publish("topic/%d" % i, b"p" * i, i % 3, i + 1 if i % 3 else 0, True)
                             for i in range(12)]),
    "big-payload-311": (0, 15, [publish("big/one", b"B" * 3000, 1, 9), publish("after", b"a")]),
}

os.makedirs(OUT, exist_ok=True)
for name, (flags, piece, packets) in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([flags, piece]) + b"".join(packets))
print("wrote %d seeds to %s" % (len(SEEDS), OUT))
