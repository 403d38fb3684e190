"""Validates HAR files against the HAR 1.2 schema (tests/har/schema) and loads them with
haralyzer. Exit status 0 when every file passes; the first failure is printed."""
import json
import pathlib
import sys

import jsonschema
from haralyzer import HarParser
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

SCHEMA = pathlib.Path(__file__).resolve().parent / "schema"


def registry():
    resources = []
    for path in SCHEMA.glob("*.json"):
        doc = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(doc, default_specification=DRAFT6)))
        resources.append((doc["$id"].rstrip("#"), Resource.from_contents(doc, default_specification=DRAFT6)))
    return Registry().with_resources(resources)


def check(path):
    har = json.loads(pathlib.Path(path).read_text())
    schema = json.loads((SCHEMA / "har.json").read_text())
    validator = jsonschema.Draft6Validator(schema, registry=registry(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(har), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise SystemExit(f"{path}: {len(errors)} schema errors; first at {list(first.absolute_path)}: {first.message}")
    parser = HarParser(har)
    entries = [entry for page in [None] for entry in parser.har_data["entries"]]
    for entry in parser.har_data["entries"]:
        # haralyzer's own entry objects: request, response and timings read back.
        from haralyzer import HarEntry
        e = HarEntry(entry)
        assert e.request.method and e.request.url, entry
        assert isinstance(e.response.status, int), entry
        assert e.startTime is not None
    print(f"{path}: {len(entries)} entries valid")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        check(arg)
