"""The PDF variants are listed once (press.base.pdf_variants): every other list follows from it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from press.base import pdf_variants
from press.build import editions
from press.cli.main import cli


def test_each_variant_is_an_edition_named_by_its_record():
    for variant in pdf_variants.VARIANTS.values():
        edition = editions.EDITIONS[variant.edition]
        assert edition.suffix == variant.suffix and edition.help == variant.help
        assert edition.relative_target("s") == f"s{variant.suffix}"
    assert [n for n in editions.ALL if n.startswith("pdf")] == ["pdf"]  # `all` makes the default only


def test_the_manifest_accepts_the_listed_variants_and_names_them(tmp_path):
    from press.base.errors import PressError
    from press.model.manifest import load_manifest

    (tmp_path / "a.md").write_text("# A\n")
    base = "title: T\nlanguage: en\ndisclaimer: D\nsections: [a.md]\n"
    (tmp_path / "briefing.yml").write_text(base + f"pdf_variant: [{', '.join(pdf_variants.EXTRA)}]\n")
    assert load_manifest(tmp_path).pdf_variant == pdf_variants.EXTRA
    (tmp_path / "briefing.yml").write_text(base + "pdf_variant: glossy\n")
    with pytest.raises(PressError, match=" and ".join(pdf_variants.EXTRA)):
        load_manifest(tmp_path)


def test_the_cli_offers_every_variant():
    help_text = CliRunner().invoke(cli, ["pdf", "--help"]).output
    for variant in pdf_variants.VARIANTS.values():
        assert variant.name in help_text and variant.edition in CliRunner().invoke(cli, ["--help"]).output
