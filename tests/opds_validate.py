"""Validators for the OPDS catalogue, from the opds-community specifications (tests/schemas/).

OPDS 1.2: jing (Debian) with the OPDS 1.2 RelaxNG schema and RFC 4287's atom.rnc.
OPDS 2.0: jsonschema with the OPDS 2.0 JSON Schemas and the Readium Web Publication Manifest
schemas they reference, all resolved from the local copies (no network); the schemas'
ECMAScript regular expressions (named groups `(?<name>...)`) are run with `regress`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import regress
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).resolve().parent / "schemas"
OPDS1 = SCHEMAS / "opds1" / "opds.rnc"
OPDS2 = SCHEMAS / "opds2"


def jing(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["jing", "-c", str(OPDS1), *map(str, files)], capture_output=True, text=True, timeout=300)


def _registry() -> Registry:
    resources = []
    for path in sorted(OPDS2.rglob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        # Without "$schema", a $ref keeps our validator (and its ECMAScript patterns) instead of
        # switching to jsonschema's own Draft 7 class; every schema here is Draft 7.
        schema.pop("$schema", None)
        resources.append((schema["$id"], DRAFT7.create_resource(schema)))
    return Registry().with_resources(resources)


def _pattern(validator, pattern, instance, schema):
    if isinstance(instance, str) and regress.Regex(pattern).find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})


def opds2_errors(document: dict) -> list[str]:
    registry = _registry()
    feed = registry.contents("https://drafts.opds.io/schema/feed.schema.json")
    validator = Validator(feed, registry=registry, format_checker=Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
