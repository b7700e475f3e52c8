"""Identifiers a briefing carries (ORCID, ISSN, ISBN-13, DOI) and the licences it may name.

Each check returns the identifier in its canonical form, or raises ValueError with a message
an editor can act on: a typo in an ISBN is caught by its check digit, not by a reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _digits(value: str, allowed: str = "0123456789") -> str:
    return "".join(c for c in str(value).upper() if c in allowed)


def orcid(value: str) -> str:
    """'0000-0002-1825-0097' (or its https://orcid.org/ form): ISO 7064 MOD 11-2 check digit."""
    text = re.sub(r"^https?://orcid\.org/", "", str(value).strip())
    if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", text):
        raise ValueError(f"'{value}' is not an ORCID iD of the form 0000-0002-1825-0097")
    digits = text.replace("-", "")
    total = 0
    for d in digits[:-1]:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise ValueError(f"ORCID iD '{value}' has a wrong check digit (a typo?)")
    return text


def issn(value: str) -> str:
    """'2708-1990': eight characters, the last a MOD 11 check digit (0-9 or X)."""
    text = str(value).strip().upper()
    if not re.fullmatch(r"\d{4}-?\d{3}[\dX]", text):
        raise ValueError(f"'{value}' is not an ISSN of the form 1234-5679")
    digits = text.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1)))
    check = (11 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise ValueError(f"ISSN '{value}' has a wrong check digit (a typo?)")
    return f"{digits[:4]}-{digits[4:]}"


def isbn13(value: str) -> str:
    """An ISBN-13 (hyphens and spaces allowed), returned as written, spaces as hyphens
    (where the hyphens go depends on the registration group: the editor knows, we do not)."""
    text = str(value).strip()
    if not re.fullmatch(r"97[89][\d -]{10,14}", text):
        raise ValueError(f"'{value}' is not an ISBN-13 (13 digits starting 978 or 979)")
    digits = _digits(text)
    if len(digits) != 13:
        raise ValueError(f"'{value}' is not an ISBN-13: it has {len(digits)} digits, not 13")
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    if int(digits[12]) != (10 - total % 10) % 10:
        raise ValueError(f"ISBN '{value}' has a wrong check digit (a typo?)")
    return re.sub(r"[ -]+", "-", text)


def isbn_digits(value: str) -> str:
    return _digits(value)


# A DOI: '10.' + registrant code + '/' + suffix (Crossref's recommended pattern).
DOI_RE = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]]+$")


def doi(value: str) -> str:
    """'10.1234/spi.pb17' (a https://doi.org/ prefix is dropped)."""
    text = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", str(value).strip(), flags=re.I)
    if not DOI_RE.match(text):
        raise ValueError(f"'{value}' is not a DOI of the form 10.1234/name")
    return text


def doi_url(value: str) -> str:
    return f"https://doi.org/{value}"


@dataclass(frozen=True)
class Licence:
    spdx: str
    name: str
    url: str
    text: str     # the short statement printed on the imprint


_CC_TEXT = {
    "BY": "You may share and adapt this work for any purpose, provided you credit the authors and the publisher.",
    "BY-SA": "You may share and adapt this work for any purpose, provided you credit the authors and the "
             "publisher and share your adaptations under the same licence.",
    "BY-NC": "You may share and adapt this work for non-commercial purposes, provided you credit the "
             "authors and the publisher.",
    "BY-NC-SA": "You may share and adapt this work for non-commercial purposes, provided you credit the "
                "authors and the publisher and share your adaptations under the same licence.",
    "BY-ND": "You may share this work for any purpose, unchanged, provided you credit the authors and the publisher.",
    "BY-NC-ND": "You may share this work for non-commercial purposes, unchanged, provided you credit the "
                "authors and the publisher.",
}
_CC_NAMES = {"BY": "Attribution", "BY-SA": "Attribution-ShareAlike", "BY-NC": "Attribution-NonCommercial",
             "BY-NC-SA": "Attribution-NonCommercial-ShareAlike", "BY-ND": "Attribution-NoDerivatives",
             "BY-NC-ND": "Attribution-NonCommercial-NoDerivatives"}


def _licences() -> dict[str, Licence]:
    table = {}
    for version in ("4.0", "3.0"):
        for kind, name in _CC_NAMES.items():
            spdx = f"CC-{kind}-{version}"
            suffix = "International" if version == "4.0" else "Unported"
            table[spdx] = Licence(spdx, f"Creative Commons {name} {version} {suffix}",
                                  f"https://creativecommons.org/licenses/{kind.lower()}/{version}/", _CC_TEXT[kind])
    table["CC-BY-3.0-IGO"] = Licence(
        "CC-BY-3.0-IGO", "Creative Commons Attribution 3.0 IGO",
        "https://creativecommons.org/licenses/by/3.0/igo/", _CC_TEXT["BY"])
    table["CC-BY-NC-SA-3.0-IGO"] = Licence(
        "CC-BY-NC-SA-3.0-IGO", "Creative Commons Attribution-NonCommercial-ShareAlike 3.0 IGO",
        "https://creativecommons.org/licenses/by-nc-sa/3.0/igo/", _CC_TEXT["BY-NC-SA"])
    table["CC0-1.0"] = Licence(
        "CC0-1.0", "Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/",
        "The authors and the publisher have waived all rights to this work: you may use it for any purpose, "
        "without asking.")
    table["OGL-UK-3.0"] = Licence(
        "OGL-UK-3.0", "Open Government Licence v3.0",
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "You may copy, publish, adapt and exploit this work, provided you acknowledge its source.")
    table["GFDL-1.3-or-later"] = Licence(
        "GFDL-1.3-or-later", "GNU Free Documentation License v1.3 or later", "https://www.gnu.org/licenses/fdl-1.3.html",
        "You may copy, share and modify this work under the terms of the GNU Free Documentation License.")
    return table


LICENCES = _licences()
_BY_LOWER = {spdx.lower(): lic for spdx, lic in LICENCES.items()}


def licence(value: str) -> Licence:
    """The licence named by an SPDX id (case does not matter: 'cc-by-4.0' is CC-BY-4.0)."""
    found = _BY_LOWER.get(str(value).strip().lower())
    if found is None:
        raise ValueError(f"'{value}' is not an SPDX licence id this tool knows "
                         f"(such as CC-BY-4.0, CC-BY-NC-SA-4.0, CC0-1.0; see docs/manifest.md)")
    return found
