#!/usr/bin/env python3
"""Checks that every `crate::` (and `super::`) reference in src/ points down the layer order
of docs/ARCHITECTURE.md, and that no import circle exists between files.

Usage: scripts/check-layers.py [ROOT]   (ROOT defaults to the project root)
Exit status 0 when clean; 1 with one line per violation otherwise.

The order is the fenced ```layers block of docs/ARCHITECTURE.md: one layer per line, top
first, each line the crate's top-level modules in that layer, then " -- " and its rule. A
module may use modules of its own layer or of any layer below; never one above. Test-only
code (`#[cfg(test)]` items and modules) is not checked.
"""
import os
import re
import sys


def read_layers(root):
    text = open(os.path.join(root, "docs", "ARCHITECTURE.md"), encoding="utf-8").read()
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    if not block:
        sys.exit("docs/ARCHITECTURE.md has no ```layers block")
    layers = {}
    for rank, line in enumerate(l for l in block.group(1).splitlines() if l.strip()):
        names = line.split(" -- ")[0].split()
        for name in names:
            if name in layers:
                sys.exit(f"module {name} is in two layers")
            layers[name] = rank
    return layers


def strip_tests(source):
    """Drops comments and every `#[cfg(test)]` item (a module body or one line)."""
    source = re.sub(r"//[^\n]*", "", source)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]", source):
        if m.start() < i:
            continue
        out.append(source[i:m.start()])
        j = m.end()
        semi, brace = source.find(";", j), source.find("{", j)
        if brace == -1 or (semi != -1 and semi < brace):
            i = semi + 1  # `mod tests;` or one statement
            continue
        depth = 0
        for k in range(brace, len(source)):
            depth += {"{": 1, "}": -1}.get(source[k], 0)
            if depth == 0:
                i = k + 1
                break
    out.append(source[i:])
    return "".join(out)


def modules(root):
    """Module path -> source (comments and tests removed), without test-only files."""
    src = os.path.join(root, "src")
    found = {}
    for d, _, files in os.walk(src):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.relpath(os.path.join(d, f), src)[:-3].replace(os.sep, "::")
                path = "crate" if path == "lib" else re.sub(r"::mod$", "", path)
                found[path] = open(os.path.join(d, f), encoding="utf-8").read()
    # A file declared as `#[cfg(test)] mod name;` is test-only.
    test_only = set()
    for path, text in found.items():
        for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_0-9]+)\s*;", text):
            test_only.add(m.group(1) if path == "crate" else f"{path}::{m.group(1)}")
    return {p: strip_tests(t) for p, t in found.items() if not any(p == x or p.startswith(x + "::") for x in test_only)}


def edges(mods):
    def resolve(path):
        parts = path.split("::")
        for n in range(len(parts), 0, -1):
            if "::".join(parts[:n]) in mods:
                return "::".join(parts[:n])
        return None

    graph = {m: set() for m in mods}
    for m, text in mods.items():
        targets = set()
        for ref in re.finditer(r"crate::((?:[a-z_][a-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)", text):
            targets.add(resolve(ref.group(1)))
        for group in re.finditer(r"crate::([a-z_][a-z0-9_:]*)::\{([^;]*?)\};", text, re.S):
            for item in group.group(2).split(","):
                item = item.strip().split(" ")[0].strip("{}")
                if item and item != "self":
                    targets.add(resolve(group.group(1) + "::" + item))
        parent = m.rsplit("::", 1)[0] if "::" in m else "crate"
        for ref in re.finditer(r"\bsuper::([a-z_][a-z0-9_]*)", text):
            sibling = ref.group(1) if parent == "crate" else f"{parent}::{ref.group(1)}"
            targets.add(sibling if sibling in mods else parent)
        graph[m] = {t for t in targets if t and t != m and not m.startswith(t + "::") and t != "crate"}
    return graph


def circles(graph):
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    layers = read_layers(root)
    mods = modules(root)
    graph = edges(mods)
    problems = []
    for m in sorted(mods):
        top = m.split("::")[0]
        if m != "crate" and top not in layers:
            problems.append(f"{m}: module {top} is in no layer of docs/ARCHITECTURE.md")
    for m in sorted(graph):
        for t in sorted(graph[m]):
            a, b = m.split("::")[0], t.split("::")[0]
            if m == "crate" or a == b or a not in layers or b not in layers:
                continue
            if layers[b] < layers[a]:
                problems.append(f"{m} uses {t}: {b} is in a higher layer than {a}")
    for comp in circles(graph):
        problems.append("import circle: " + " -> ".join(comp))
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"layers: {len(mods)} files, {sum(len(v) for v in graph.values())} imports, all pointing down, no circle")


if __name__ == "__main__":
    main()
