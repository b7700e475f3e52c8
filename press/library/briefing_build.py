"""One briefing of the library, built in a worker process: `pipeline.build` into its own
`.press/<slug>/`, exactly as a briefing folder builds alone, then its `html/` folder placed at
`<slug>/` (copied only when bytes differ, so a no-change run rewrites nothing), with the library's
additions to the web page (a link back to the library and, for translations, `hreflang`
alternates and a language switcher), its cover and thumbnail, and its catalogue record.

A worker imports this module only: never the catalogue's (press/library/library_build.py is the
parent's side)."""

from __future__ import annotations

import io
import posixpath
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from press.base.errors import PressError
from press.library.library_files import place
from press.library.library_state import cover_path, read_entry, thumbnail_path
from press.library.site_folder import ENTRY, WORK, dump_json, remove_stale, sha, write_if_changed
from press.build import pipeline
from press.build.editions import EDITIONS
from press.model.manifest import AlsoIn
from press.base.media import media_type
from press.render import templating
from press.base.i18n import also_in

THUMB_WIDTH = 240


@dataclass(frozen=True)
class Task:
    """What a worker needs to build one briefing: plain values, cheap to send to a process."""

    folder: str
    slug: str
    out: str
    meta: dict          # the briefing's catalogue metadata, from its manifest (read by the parent)
    alternates: tuple   # (slug, language, title) of each translation, itself included
    library_title: str
    force: bool = False
    also_in: tuple = ()  # (label, ((tag, name, url), ...)): the PDF's and EPUB's "Also in" line, or ()
    series_title: str = ""  # `series: <id>` names a series of library.yml: its title, for the editions


def build_one(task: Task) -> dict:
    """Build one briefing and place its web edition; return its catalogue entry, or its error."""
    started = time.perf_counter()
    try:
        entry = _build_one(task)
    except PressError as exc:
        return {"slug": task.slug, "error": exc.format_message()}
    except Exception as exc:  # a bug must not take the other briefings down with it
        return {"slug": task.slug, "error": f"{task.folder}: internal error while building: {exc!r}"}
    entry["seconds"] = round(time.perf_counter() - started, 3)
    return entry


def _build_one(task: Task) -> dict:
    out = Path(task.out)
    work = out / WORK / task.slug
    # The web edition and the editions it offers for download (PDF, EPUB): what the site publishes.

    also_in = AlsoIn(task.also_in[0], tuple(map(tuple, task.also_in[1]))) if task.also_in else None
    results = pipeline.build(Path(task.folder), work, ["html"], force=task.force, also_in=also_in,
                             series_title=task.series_title or None)
    previous = read_entry(work / ENTRY, task.slug) or {}   # a record that names what is not its own: none
    state = pipeline.read_state(work).get(task.slug, {})
    html = EDITIONS["html"]
    files = dict((state.get("html") or {}).get("files") or {})   # rel -> sha, as the pipeline wrote them
    folder = work / html.folder
    # Each file edition's name as the pipeline gave it (`<slug>-letter.pdf` for `paper: letter`):
    # only the pipeline names files, the library reads the names from its state.
    names = {name: entry["path"] for name, entry in state.items() if "path" in entry}

    # The editions the web page offers for download are the pipeline's own files: one file each,
    # under the build folder, the web folder and the site (press/library/library_files.py).
    for name, rel in names.items():
        if rel in files and state[name]["output"] == files[rel] and (work / rel).is_file():
            place(work / rel, folder / rel)
    site_files = {}
    known = previous.get("site_files") or {}
    site = out / task.slug
    for rel, digest in sorted(files.items()):
        source = folder / rel
        if rel == html.page:
            data = library_page(source.read_bytes(), task)
            digest = sha(data)
            write_if_changed(site / rel, data, known.get(rel))
        else:
            place(source, site / rel)
        site_files[rel] = digest
    remove_stale(site, set(known) - set(site_files))

    downloads = []
    for name in ("epub", "pdf"):
        rel = names.get(name)
        if rel in site_files:
            downloads.append({"edition": name, "href": f"{task.slug}/{rel}", "size": (site / rel).stat().st_size,
                              "type": _media(rel), "sha": site_files[rel]})
    epub_sha = next((d["sha"] for d in downloads if d["edition"] == "epub"), "")
    cover = previous.get("cover") if previous.get("epub_sha") == epub_sha and epub_sha else None
    if cover is None or not (out / cover["href"]).is_file() or not (out / cover["thumbnail"]["href"]).is_file():
        cover = _cover(out, task.slug, work / names["epub"], previous.get("cover")) if epub_sha else None

    entry = {
        **task.meta, "slug": task.slug, "href": f"{task.slug}/", "page_sha": site_files.get(html.page, ""),
        "downloads": downloads, "cover": cover, "epub_sha": epub_sha, "site_files": site_files,
        "rebuilt": any(r.rebuilt for r in results),
    }
    stored = {k: v for k, v in entry.items() if k != "rebuilt"}
    write_if_changed(work / ENTRY, dump_json(stored))
    return entry


def _media(name: str) -> str:
    return media_type(name)


def _cover(out: Path, slug: str, epub: Path, previous: dict | None = None) -> dict | None:
    """The EPUB's cover picture (the item the package marks `cover-image`) and a thumbnail of it;
    `previous` (the last build's) is kept when the picture's bytes are the same: an edit to the
    text changes the EPUB, seldom its cover, and decoding and scaling a cover takes a while."""
    found = _cover_image(epub)
    if found is None:
        return None
    data, media_type = found
    suffix = ".jpg" if media_type == "image/jpeg" else ".png"
    cover_rel, thumb_rel = cover_path(slug, suffix), thumbnail_path(slug)
    digest = sha(data)
    if (previous and previous.get("sha") == digest and previous.get("href") == cover_rel
            and (out / cover_rel).is_file() and (out / thumb_rel).is_file()):
        return previous
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    width, height = image.size
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=82, optimize=True, progressive=False)
    write_if_changed(out / cover_rel, data)
    write_if_changed(out / thumb_rel, buffer.getvalue())
    return {"href": cover_rel, "type": media_type, "width": width, "height": height, "size": len(data), "sha": digest,
            "thumbnail": {"href": thumb_rel, "type": "image/jpeg", "width": thumb.width, "height": thumb.height}}


def _cover_image(epub: Path) -> tuple[bytes, str] | None:
    """The bytes and media type of the EPUB's `cover-image` item, if it has one."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(epub) as book:
        container = ET.fromstring(book.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = ET.fromstring(book.read(opf_path))
        item = next((i for i in opf.iter("{http://www.idpf.org/2007/opf}item")
                     if "cover-image" in (i.get("properties") or "").split()), None)
        if item is None:
            return None
        data = book.read(posixpath.normpath(posixpath.join(posixpath.dirname(opf_path), item.get("href"))))
    return data, item.get("media-type")


def library_page(page: bytes, task: Task) -> bytes:
    """The briefing's web page as the library serves it: a way back to the library, the
    briefing's translations as `hreflang` alternates and a language switcher."""
    html = page.decode("utf-8")
    context = dict(alternates=task.alternates, slug=task.slug, library_title=task.library_title,
                   also_in=also_in(task.meta["language"]))
    head = templating.render("library/page-head.html.j2", **context)
    nav = templating.render("library/page-nav.html.j2", **context)
    at_head = html.find("</head>")
    at_header = html.find('<header class="masthead"')
    if at_head < 0 or at_header < 0:
        raise PressError(f"{task.folder}: the web page has no </head> or masthead header to add the "
                         "library's links to", code="E861")
    html = html[:at_head] + head + html[at_head:at_header] + nav + html[at_header:]
    return html.encode("utf-8")
