#!/usr/bin/env python3
"""Writes the seed corpus tests/fuzz/corpus/mqtt/: one valid packet (or stream) per file."""
import pathlib

SEEDS = {
    "connect_v311": "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
    "connect_v31": "10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63",
    "connect_v5_will": "10 2B 00 04 4D 51 54 54 05 EE 00 3C 05 11 00 00 00 78 00 03 61 62 63"
                       " 05 18 00 00 00 05 00 03 77 2F 74 00 03 62 79 65 00 01 75 00 01 70",
    "connack_v311": "20 02 00 03",
    "connack_v5": "20 09 01 00 06 21 00 0A 22 00 05",
    "publish_v311_qos1": "33 09 00 03 61 2F 62 00 0A 68 69",
    "publish_v5_alias": "32 0D 00 03 61 2F 62 00 0A 03 23 00 05 68 69",
    "publish_v5_props": "30 22 00 01 61 1C 01 01 02 00 00 00 3C 03 00 01 74 08 00 01 72"
                        " 09 00 01 AB 0B 07 26 00 01 6B 00 01 76 68 69",
    "puback_v5": "40 08 00 0A 10 04 1F 00 01 78",
    "pubrel": "62 02 00 0A",
    "subscribe_v311": "82 0E 00 01 00 03 61 2F 2B 01 00 03 62 2F 23 02",
    "subscribe_v5": "82 0B 00 01 02 0B 07 00 03 61 2F 2B 2D",
    "suback_v5": "90 05 00 01 00 01 80",
    "unsubscribe_v5": "A2 08 00 02 00 00 03 61 2F 2B",
    "unsuback_v5": "B0 04 00 02 00 11",
    "disconnect_v5": "E0 08 8B 06 1F 00 03 62 79 65",
    "auth": "F0 0B 18 09 15 00 06 53 43 52 41 4D 31",
    "stream_v311": "C0 00 30 05 00 01 61 68 69 D0 00 E0 00",
}

out = pathlib.Path(__file__).resolve().parent / "corpus" / "mqtt"
out.mkdir(parents=True, exist_ok=True)
for name, text in SEEDS.items():
    (out / name).write_bytes(bytes.fromhex(text))
