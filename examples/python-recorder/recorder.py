#!/usr/bin/env python3
"""A worked example for docs/history-format.md: record a history from a small concurrent implementation.

The "implementation" is a toy memory system (one address space "A" of PAGES private pages) driven by real
threads. Each thread is one history *process* (a client thread); "A" is the *mm* (an address space). Every op is
recorded with Recorder.invoke() before the implementation takes its first lock and Recorder.ok() after it
releases its last one, so the file's line order is a real-time order. Errors the implementation returns are
"ok" completions with {"error": ...}; written values are unique, so each read names the write it saw.

    python3 recorder.py OUT.jsonl [--threads N] [--ops N] [--seed S] [--bug]
    hmm-spec check OUT.jsonl          # exit 0: linearizable; with --bug, exit 1

--bug makes the implementation drop every 7th write while reporting success: a lost write that the checker
must catch. Standard library only.
"""
import argparse
import itertools
import json
import random
import threading

PAGES = 4


class Recorder:
    """Writes history lines; one lock makes each line whole and keeps them in the order they were recorded."""

    def __init__(self, path, header):
        self._out = open(path, "w", encoding="utf-8")
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._line(header)

    def _line(self, obj):
        self._out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def invoke(self, process, op):
        with self._lock:
            op_id = next(self._ids)
            self._line({"type": "invoke", "process": process, "id": op_id, "op": op})
            return op_id

    def ok(self, process, op_id, result):
        with self._lock:
            self._line({"type": "ok", "process": process, "id": op_id, "result": result})

    def close(self):
        self._out.close()


class ToyMemory:
    """The implementation under test: pages [0, PAGES) mapped read-write; page contents start at 0."""

    def __init__(self, bug):
        self._lock = threading.Lock()
        self._pages = {p: 0 for p in range(PAGES)}
        self._writes = 0
        self._bug = bug

    def read(self, page):
        with self._lock:
            if page not in self._pages:
                return {"signal": "SIGSEGV"}
            return {"value": self._pages[page]}

    def write(self, page, value):
        with self._lock:
            if page not in self._pages:
                return {"signal": "SIGSEGV"}
            self._writes += 1
            if not (self._bug and self._writes % 7 == 0):
                self._pages[page] = value
            return {"ok": True}

    def mprotect(self, page, pages):
        with self._lock:
            if any(p not in self._pages for p in range(page, page + pages)):
                return {"error": "ENOMEM"}   # a range with a hole: Linux's errno
            return {"ok": True}


def worker(process, memory, recorder, ops, rng, values):
    for _ in range(ops):
        page = rng.randrange(PAGES)
        kind = rng.random()
        if kind < 0.45:
            value = next(values)   # unique across threads: itertools.count is atomic under the GIL
            op = {"op": "write", "mm": "A", "page": page, "value": value}
            op_id = recorder.invoke(process, op)
            result = memory.write(page, value)
            recorder.ok(process, op_id, result)
            # Read it back: with --bug the dropped write shows.
            op_id = recorder.invoke(process, {"op": "read", "mm": "A", "page": page})
            recorder.ok(process, op_id, memory.read(page))
        elif kind < 0.9:
            op_id = recorder.invoke(process, {"op": "read", "mm": "A", "page": page})
            recorder.ok(process, op_id, memory.read(page))
        else:
            # Past the mapping's end: the implementation reports an error, recorded as an "ok" completion.
            op = {"op": "mprotect", "mm": "A", "page": PAGES - 1, "pages": 2, "prot": "rw"}
            op_id = recorder.invoke(process, op)
            recorder.ok(process, op_id, memory.mprotect(PAGES - 1, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bug", action="store_true")
    args = parser.parse_args()

    header = {
        "format": "hmm-history", "version": 1, "variant": "python-toy",
        # The setup ran before any thread started: it maps the pages the threads use.
        "setup": [{"op": "mmap", "mm": "A", "page": 0, "pages": PAGES, "prot": "rw"}],
    }
    recorder = Recorder(args.out, header)
    memory = ToyMemory(args.bug)
    values = itertools.count(1)
    threads = [threading.Thread(target=worker, args=(p, memory, recorder, args.ops, random.Random(args.seed * 100 + p), values))
               for p in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorder.close()


if __name__ == "__main__":
    main()
