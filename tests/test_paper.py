"""The print edition's page, resolved once (press.base.paper) from the manifest and --paper."""

from __future__ import annotations

import pytest

from press.base import paper


def test_the_default_paper_when_none_is_named():
    page = paper.resolve()
    assert (page.paper, page.size, page.width_mm, page.height_mm) == (paper.DEFAULT, "A4", 210, 297)
    assert page.css == "size: A4;"


def test_paper_on_the_command_line_wins_over_the_manifest():
    page = paper.resolve("a5", None, "20mm", override="letter")
    assert (page.paper, page.size, page.margins) == ("letter", "letter", "20mm")
    assert page.css == "size: letter; margin: 20mm;"


def test_a_custom_paper_keeps_its_size_unless_the_command_line_names_one():
    custom = paper.resolve(paper.CUSTOM, "170mm 24cm")
    assert (custom.paper, custom.size, custom.width_mm, custom.height_mm) == ("custom", "170mm 24cm", 170, 240)
    assert paper.resolve(paper.CUSTOM, "170mm 24cm", override=paper.CUSTOM) == custom
    assert paper.resolve(paper.CUSTOM, "170mm 24cm", override="b5").size == "B5"


@pytest.mark.parametrize("margins, width", [(None, 210 - 44), ("10mm", 190), ("1cm 2cm", 170),
                                            ("1mm 2mm 3mm", 206), ("1mm 2mm 3mm 4mm", 204)])
def test_the_text_width_is_the_paper_less_its_side_margins(margins, width):
    assert paper.resolve("a4", None, margins).text_width_mm == pytest.approx(width)


def test_every_size_has_its_dimensions():
    assert set(paper.SIZES) == set(paper.SIZES_MM)
