#!/usr/bin/env python3
"""Baseline for docs/performance.md: a minimal Wing & Gong checker (Lowe's memo, explicit stack) for
read/write histories of hmm-history format, one register per (mm, page), initial value 0.
It understands only read and write ops; it exists so that `hmm-spec check` can be timed against a plain
per-page register checker on the same file and the same machine (the issue's 1.7 s yardstick).
Usage: python3 bench/wgl_register.py HISTORY.jsonl   (exit 0 linearizable, 1 not)"""
import json, sys

def load(path):
    ops, open_ = {}, {}
    with open(path) as f:
        next(f)  # header
        for pos, line in enumerate(f):
            e = json.loads(line)
            if e["type"] == "invoke":
                o = e["op"]
                open_[e["id"]] = rec = {"key": (o["mm"], o["page"]), "kind": o["op"], "value": o.get("value"),
                                        "call": pos, "ret": None, "result": None}
                ops[e["id"]] = rec
            elif e["type"] == "ok":
                rec = open_.pop(e["id"]); rec["ret"] = pos; rec["result"] = e["result"].get("value")
            else:
                rec = open_.pop(e["id"]); ops.pop(e["id"]) if e["type"] == "fail" else None
    parts = {}
    for rec in ops.values():
        parts.setdefault(rec["key"], []).append(rec)
    return parts

def step(state, op):
    if op["kind"] == "write": return op["value"]
    if op["ret"] is None or op["result"] == state: return state
    return None

def check(ops):
    # Entries in time order: (time, is_return, index); pending ops return at the end of time.
    entries = sorted([(o["call"], 0, i) for i, o in enumerate(ops)] +
                     [(o["ret"] if o["ret"] is not None else float("inf"), 1, i) for i, o in enumerate(ops)])
    order = [(ret, i) for _, ret, i in entries]
    nxt = list(range(1, len(order) + 1)); prv = list(range(-1, len(order) - 1))
    pos = {}
    for k, (ret, i) in enumerate(order): pos[(ret, i)] = k
    head, n = -1, len(order)
    def lift(k):
        for j in (k, pos[(1, order[k][1])]):
            p, q = prv[j], nxt[j]
            if p >= 0: nxt[p] = q
            else: nonlocal_head[0] = q
            if q < n: prv[q] = p
    def unlift(k):
        for j in (pos[(1, order[k][1])], k):
            p, q = prv[j], nxt[j]
            if p >= 0: nxt[p] = j
            else: nonlocal_head[0] = j
            if q < n: prv[q] = j
    nonlocal_head = [0]
    state, linearized, cache, stack = 0, 0, set(), []
    k = nonlocal_head[0]
    while k < n:
        ret, i = order[k]
        if not ret:
            s = step(state, ops[i])
            bits = linearized | (1 << i)
            if s is not None and (bits, s) not in cache:
                cache.add((bits, s)); stack.append((k, state)); state, linearized = s, bits
                lift(k); k = nonlocal_head[0]; continue
            k = nxt[k]
        else:
            if ops[i]["ret"] is None: return True
            if not stack: return False
            k, state = stack.pop(); linearized &= ~(1 << order[k][1]); unlift(k); k = nxt[k]
    return True

if __name__ == "__main__":
    ok = all(check(p) for p in load(sys.argv[1]).values())
    print("linearizable" if ok else "not linearizable")
    sys.exit(0 if ok else 1)
