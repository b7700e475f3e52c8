"""XML out of ElementTree with the prefixes we choose, whatever else the process registered.

ElementTree keeps its namespace prefixes in one table for the whole process, and libraries
change it when they are imported (WeasyPrint registers `dc` for Dublin Core 1.1, for its XMP).
A feed serialized after a PDF was built in the same process would then come out with other
prefixes (`ns0:feed`) than one serialized before: other bytes for the same catalogue. So each
serialization here sets the prefixes it uses, and puts the table back as it was.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager

_lock = threading.Lock()


@contextmanager
def prefixes(chosen: dict[str, str]):
    """ElementTree's prefix table with `chosen` (prefix -> namespace), for the time of a serialization."""
    with _lock:
        table = ET._namespace_map  # ElementTree's own table: register_namespace has no undo
        saved = dict(table)
        try:
            for prefix, uri in chosen.items():
                ET.register_namespace(prefix, uri)
            yield
        finally:
            table.clear()
            table.update(saved)


def tostring(root: ET.Element, default: str, chosen: dict[str, str] | None = None,
             declaration: bool = True) -> str:
    """`root` serialized with `default` as the default namespace and `chosen` prefixes."""
    with prefixes({"": default, **(chosen or {})}):
        return ET.tostring(root, encoding="unicode", xml_declaration=declaration)
