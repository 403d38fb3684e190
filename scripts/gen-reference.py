#!/usr/bin/env python3
"""Generates docs/reference.md from include/session.h's doc comments.

Usage: scripts/gen-reference.py            # rewrite docs/reference.md
       scripts/gen-reference.py --stdout   # print it (tests/reference.rs compares)

Every function gets its declaration, its doc comment (what it does, ownership, errors), a
line derived from its return type (who owns the result, how failure shows), and its example
from docs/reference-examples.c when there is one (`void example_<function>(...)`;
that file is compiled by the test, so examples keep compiling).
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "session.h"
EXAMPLES = ROOT / "docs" / "reference-examples.c"
OUTPUT = ROOT / "docs" / "reference.md"

# Sections by name pattern, first match wins; functions keep the header's order inside.
SECTIONS = [
    ("Errors and version", r"session_(strerror|last_error|version)$"),
    ("Sessions", r"session_(new|free|set_\w+)$"),
    ("Cookies", r"session_(cookie\w*|string_free)$"),
    ("Requests", r"session_request_\w+$"),
    ("Sending", r"session_(send\w*|get|head|delete|post|put|patch|future_\w+|completion_fd)$"),
    ("Responses", r"session_response_\w+$"),
    ("Other functions", r".*"),
]


def doc_text(lines):
    """The text of a /** ... */ block's lines, without the comment markers."""
    out = []
    for line in lines:
        s = line.strip()
        if s in ("/**", "*/"):
            continue
        s = re.sub(r"^\* ?", "", s)
        out.append(s)
    return "\n".join(out).strip()


def parse(header):
    """Top-level items of the header: (kind, name, declaration, doc, members)."""
    lines = header.splitlines()
    items = []
    doc = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("/**"):
            j = i
            while not lines[j].strip().endswith("*/"):
                j += 1
            doc = doc_text(lines[i : j + 1])
            i = j + 1
            continue
        if line.startswith("#define "):
            _, name, value = (line.split(None, 2) + [""])[:3]
            if value and not name.startswith("LIBSESSION_"):
                items.append(("constant", name, f"#define {name} {value}", doc or "", []))
            doc = None
        elif line.startswith("typedef") or re.match(r"^[a-z].*\(", line):
            j = i
            depth = 0
            while True:
                depth += lines[j].count("{") - lines[j].count("}")
                if depth == 0 and lines[j].rstrip().endswith(";"):
                    break
                j += 1
            block = lines[i : j + 1]
            items.append(classify(block, doc or ""))
            doc = None
            i = j + 1
            continue
        elif line.strip():
            doc = None
        i += 1
    return items


def members(block):
    """(name, doc) of the documented members of an enum or struct body."""
    out = []
    doc = ""
    k = 1
    while k < len(block) - 1:
        s = block[k].strip()
        if s.startswith("/**"):
            j = k
            while not block[j].strip().endswith("*/"):
                j += 1
            doc = doc_text(block[k : j + 1])
            k = j + 1
            continue
        if s:
            out.append((s.rstrip(",;"), doc))
            doc = ""
        k += 1
    return out


def classify(block, doc):
    first = block[0]
    text = "\n".join(block)
    if first.startswith("typedef enum") or first.startswith("typedef struct") and first.endswith("{"):
        name = re.search(r"}\s*(\w+);", block[-1]).group(1)
        kind = "enum" if first.startswith("typedef enum") else "struct"
        return (kind, name, text, doc, members(block))
    if first.startswith("typedef"):
        pointer = re.search(r"\(\s*\*\s*(\w+)\s*\)", text)  # function pointer type
        name = pointer.group(1) if pointer else re.search(r"(\w+)\s*;\s*$", text).group(1)
        return ("type", name, text, doc, [])
    name = re.search(r"(\w+)\(", first).group(1)
    return ("function", name, text, doc, [])


def returns_note(decl, name):
    """What the return type says about ownership and failure."""
    ret = decl[: decl.index(name + "(")].strip()
    if ret.startswith("enum session_code"):
        return ("Returns `SESSION_OK` or the error code; the detail of a failure is in "
                "`session_last_error()` on this thread.")
    if ret.startswith("session_response_t *"):
        return ("Returns a response owned by the caller (free it with `session_response_free`); "
                "NULL only when out of memory. A failure is in its `error` and `error_message`.")
    if ret.startswith("const session_response_t *"):
        return "Returns a pointer owned by the response it came from; never freed on its own."
    if ret.startswith("char *"):
        return "Returns a copy owned by the caller (free it with `session_string_free`), or NULL."
    if ret.startswith("const char *"):
        return ("Returns a string owned by the library (or by the response passed in); the caller "
                "never frees it.")
    if ret.endswith("_t *") and ret.startswith("session_"):
        t = ret[:-1].strip()
        free = t[: -len("_t")] + "_free"
        if t == "session_t":
            free = "session_free"
        return f"Returns a new `{t}` owned by the caller (free it with `{free}`), or NULL."
    return None


def examples():
    """example_<function> bodies from docs/reference-examples.c, dedented."""
    if not EXAMPLES.exists():
        return {}
    text = EXAMPLES.read_text()
    found = {}
    for m in re.finditer(r"^void example_(\w+)\([^)]*\)\n\{\n(.*?)^\}\n", text, re.M | re.S):
        body = [l[4:] if l.startswith("    ") else l for l in m.group(2).splitlines()]
        found["session_" + m.group(1)] = "\n".join(body).strip("\n")
    return found


def anchor(name):
    return name.lower()


def render(items, snippets):
    version = {n: d.split()[-1] for k, n, d, _, _ in items if k == "constant"}
    out = [
        "# libsession API reference",
        "",
        "<!-- Generated by scripts/gen-reference.py from include/session.h and",
        "     docs/reference-examples.c: do not edit; tests/reference.rs fails when stale. -->",
        "",
        "Version {}.{}.{}. Conventions (ownership, errors, threads) that every function follows: "
        "[CONVENTIONS.md](CONVENTIONS.md); tutorials: [guide.md](guide.md).".format(
            version.get("SESSION_VERSION_MAJOR", "?"),
            version.get("SESSION_VERSION_MINOR", "?"),
            version.get("SESSION_VERSION_PATCH", "?"),
        ),
        "",
    ]
    functions = [it for it in items if it[0] == "function"]
    grouped = []
    for title, pattern in SECTIONS:
        names = [f for f in functions if re.match(pattern, f[1]) and f not in sum((g for _, g in grouped), [])]
        if names:
            grouped.append((title, names))

    out.append("## Contents")
    out.append("")
    for title, fns in grouped:
        links = ", ".join(f"[`{f[1]}`](#{anchor(f[1])})" for f in fns)
        out.append(f"- **{title}**: {links}")
    out.append("- **Types and constants**: " + ", ".join(
        f"[`{n}`](#{anchor(n)})" for k, n, _, _, _ in items if k != "function"))
    out.append("")

    for title, fns in grouped:
        out += [f"## {title}", ""]
        for _, name, decl, doc, _ in fns:
            out += [f"### {name}", "", "```c", decl, "```", ""]
            out += [doc or "(undocumented)", ""]
            note = returns_note(decl, name)
            if note:
                out += [note, ""]
            if name in snippets:
                out += ["Example:", "", "```c", snippets[name], "```", ""]

    out += ["## Types and constants", ""]
    for kind, name, decl, doc, mems in items:
        if kind == "function":
            continue
        out += [f"### {name}", ""]
        if doc:
            out += [doc, ""]
        if kind in ("enum", "struct"):
            head = "| value | meaning |" if kind == "enum" else "| field | meaning |"
            out += [head, "| --- | --- |"]
            for member, mdoc in mems:
                out.append(f"| `{member}` | {mdoc.replace(chr(10), ' ')} |")
            out.append("")
        else:
            out += ["```c", decl, "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    items = parse(HEADER.read_text())
    text = render(items, examples())
    if "--stdout" in sys.argv[1:]:
        sys.stdout.write(text)
    else:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
