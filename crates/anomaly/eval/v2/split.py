#!/usr/bin/env python3
"""The split of the v2 labelled set, made once on 2026-12-01 and frozen.

Stratified by (lang, over_rated); within each stratum the ids are sorted, shuffled
with random.Random(20261201) (strata in sorted order) and the first third (rounded)
goes to heldout.jsonl. Run with --check to verify that tuning.jsonl + heldout.jsonl
are exactly that split of their union (reads the held-out ids, never their text).
"""
import json
import random
import sys

SEED = 20261201


def split(cases):
    rng = random.Random(SEED)
    strata = {}
    for c in cases:
        strata.setdefault((c["lang"], c["over_rated"]), []).append(c["id"])
    held = set()
    for key in sorted(strata):
        ids = sorted(strata[key])
        rng.shuffle(ids)
        held.update(ids[: round(len(ids) / 3)])
    return held


def ids(path):
    return {json.loads(line)["id"] for line in open(path, encoding="utf-8") if line.strip()}


if __name__ == "__main__" and sys.argv[1:] == ["--check"]:
    union = []
    for path in ("tuning.jsonl", "heldout.jsonl"):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                c = json.loads(line)
                union.append({"id": c["id"], "lang": c["lang"], "over_rated": c["over_rated"]})
    assert split(union) == ids("heldout.jsonl"), "heldout.jsonl is not the seeded split"
    print(f"split verified: {len(union)} cases, {len(ids('heldout.jsonl'))} held out")
