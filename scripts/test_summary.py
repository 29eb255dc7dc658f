#!/usr/bin/env python3
"""Adds up the GoogleTest cases (and other meson tests) of the given build dirs' last runs.

Prints one closing line: 'tests: N passed, M failed' (', K skipped' when some were)."""
import json
import re
import sys

passed = failed = skipped = 0
for build in sys.argv[1:]:
    try:
        lines = open(f"{build}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        gp = re.search(r"\[  PASSED  \] (\d+) tests?", out)
        gf = re.search(r"\[  FAILED  \] (\d+) tests?, listed below", out)
        gs = re.search(r"\[  SKIPPED \] (\d+) tests?", out)
        if gp or gf:
            passed += int(gp.group(1)) if gp else 0
            failed += int(gf.group(1)) if gf else 0
            skipped += int(gs.group(1)) if gs else 0
            if t["result"] != "OK" and not gf:
                failed += 1  # crashed or timed out after the counts were printed
        elif t["result"] == "OK":
            passed += 1
        elif t["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
line = f"tests: {passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
