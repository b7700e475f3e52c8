"""The DOCX edition, for reviewers who work in Word: Pandoc (from the pypandoc-binary wheel).

The sections are rendered as for the web page (one Markdown parse for every edition), and
Pandoc turns that HTML into a DOCX: headings with Word's heading styles (the navigation pane
works), real Word footnotes, tables, lists, figures with their captions and alt text, the
contents as a Word TOC field, the disclaimer on the first page (as the title block's
abstract), `lang` in the styles. Pandoc runs with `--sandbox`: it reads nothing but what it
is given, so images go in as data: URIs of the files the loader already confined to the
source folder. Reproducible: a sandboxed Pandoc stamps 1970 into the core properties and
1980 into the zip, so the package is re-zipped here with the edition's time (see
source.edition_timestamp) in both, entries in Pandoc's order.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import zipfile
from urllib.parse import quote

from press.base import i18n
from press.render import templating
from press.source import images
from press.base.errors import PressError
from press.model.model import Briefing

DISCLAIMER_ID = "disclaimer"  # templating's ids.disclaimer: the block moved into the abstract
TIMEOUT = 120  # seconds: Pandoc on a briefing at the bounds takes a few


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def docx_bytes(briefing: Briefing) -> bytes:
    html = templating.render("docx.html.j2", briefing=briefing)
    for asset in briefing.assets:  # --sandbox: Pandoc may read no file, so images travel inline
        data = base64.b64encode(_asset_bytes(asset, briefing)).decode("ascii")
        html = html.replace(f'src="{quote(asset.href)}"', f'src="data:{asset.media_type};base64,{data}"')
    ast = json.loads(_pandoc(["-f", "html", "-t", "json"], html.encode("utf-8")))
    ast = _for_word(ast, briefing)
    data = _pandoc(["-f", "json", "-t", "docx", "--toc", "--toc-depth=2", "-o", "-"],
                   json.dumps(ast).encode("utf-8"))
    return restamp(data, briefing.timestamp)


def _asset_bytes(asset, briefing: Briefing) -> bytes:
    """What the DOCX embeds for a section's image: an SVG's rebuilt drawing (press/source/svg.py, the
    web edition's copy: no comments, metadata or remote references), a raster file's own bytes."""
    picture = images.for_asset(asset, briefing.manifest.root)
    if picture.kind == "svg":
        return picture.data
    return asset.path.read_bytes()


def restamp(data: bytes, when) -> bytes:
    """The package with every zip entry and the core properties' dates at `when` (UTC)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                                 content)
            # A zip entry holds the years 1980 to 2107: clamp, as the EPUB does.
            stamp_time = min(max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))
            entry = zipfile.ZipInfo(info.filename, date_time=stamp_time)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _pandoc(args: list[str], data: bytes) -> bytes:
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    try:
        done = subprocess.run([pandoc_path(), "--sandbox", *args], input=data, capture_output=True,
                              env=env, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PressError(f"the DOCX edition: Pandoc could not run: {exc}", code="E861") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PressError(f"the DOCX edition: Pandoc failed: {message[-1] if message else done.returncode}",
                         code="E861")
    return done.stdout


def _meta_text(text: str) -> dict:
    return {"t": "MetaInlines", "c": [{"t": "Str", "c": text}]}


def _for_word(ast: dict, briefing: Briefing) -> dict:
    """Headings one level up (the web page's h2 is a section's title), note calls without the
    web page's superscript (Word sets its own), the disclaimer as the abstract, the metadata."""
    blocks, abstract = [], []
    for block in ast["blocks"]:
        if block["t"] == "Div" and block["c"][0][0] == DISCLAIMER_ID:
            abstract = block["c"][1]
        else:
            blocks.append(block)
    ast["blocks"] = [_walk(block) for block in blocks]
    m = briefing.manifest
    words = i18n.labels(briefing.language)
    meta = {"title": _meta_text(briefing.title), "lang": _meta_text(briefing.language),
            "toc-title": _meta_text(words["contents"])}
    if briefing.subtitle:
        meta["subtitle"] = _meta_text(briefing.subtitle)
    if m.authors:
        meta["author"] = {"t": "MetaList", "c": [_meta_text(a) for a in m.authors]}
    if briefing.edition_date:
        meta["date"] = _meta_text(templating.long_date(briefing.edition_date, briefing.language))
    if abstract:
        meta["abstract"] = {"t": "MetaBlocks", "c": abstract}
        meta["abstract-title"] = _meta_text(words["disclaimer"])
    if m.keywords:
        meta["keywords"] = {"t": "MetaList", "c": [_meta_text(k) for k in m.keywords]}
    ast["meta"] = meta
    return ast


def _walk(node):
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Superscript" \
                    and len(item["c"]) == 1 and item["c"][0].get("t") == "Note":
                item = item["c"][0]
            out.append(_walk(item))
        return out
    if isinstance(node, dict):
        if node.get("t") == "Header":
            level, attr, inlines = node["c"]
            return {"t": "Header", "c": [max(1, level - 1), attr, _walk(inlines)]}
        return {key: _walk(value) for key, value in node.items()}
    return node
