"""Steps 2 and 3 (Information): mapping local names, language wrapping, generation from facts, GPS."""

from __future__ import annotations

import mwparserfromhell
import pytest
from steps_fakes import commons_to_dewiki, context

from wikifile_transfer.wikitext.rules.model import InformationNames, RuleSet
from wikifile_transfer.wikitext.steps.base import ConvertContext, FileFacts, StepReport
from wikifile_transfer.wikitext.steps.information import (
    add_location,
    coordinate,
    exif_date,
    generate_information,
    gps,
    information_step,
    map_information,
)

COMMONS = RuleSet(target_wiki="commons.wikimedia", target_location_template="Location")
DE_NAMES = InformationNames(
    template="Information|Info",
    description="Beschreibung",
    date="Datum",
    source="Quelle",
    author="Urheber",
    permission="Genehmigung",
    other_versions="Andere Versionen",
)


def _step(text: str, ctx: ConvertContext) -> tuple[str, StepReport]:
    code = mwparserfromhell.parse(text)
    report = StepReport()
    information_step(code, ctx, report)
    return str(code), report


def test_local_names_become_canonical_and_description_is_wrapped() -> None:
    rules = RuleSet(information=DE_NAMES, target_information="Information")
    text = "{{Info\n|Beschreibung=Ein Huhn\n|Quelle=selbst\n|Andere_Versionen=\n|Anmerkung=x\n|Urheber = Bob \n}}"
    result, report = _step(text, context(rules, source_lang="de"))
    assert result == (
        "{{Information\n|description={{de|1=Ein Huhn}}\n|source=selbst\n|other versions=\n|Anmerkung=x\n"
        "|author = Bob \n}}"
    )
    assert [n.key for n in report.changes] == ["wft-change-information-mapped"]
    again, second = _step(result, context(rules, source_lang="de"))
    assert again == result and second.changes == []


def test_no_wrapping_without_language_templates_or_when_wrapped_or_empty() -> None:
    rules = RuleSet(target_language_templates=False)
    assert _step("{{Information|description=A}}", context(rules))[0] == "{{Information|description=A}}"
    for text in (
        "{{Information|Description={{fr|A}}}}",
        "{{Information|description=}}",
        "{{information|1=x}}",
    ):
        result, _ = _step(text, context(RuleSet()))
        assert "{{en|" not in result


def test_generated_from_loose_text_exif_date_own_work_and_gps() -> None:
    facts = FileFacts(
        original_uploader="Alice",
        first_upload="2009-01-02T03:04:05Z",
        source_url="https://en.wikipedia.org/wiki/File:A.jpg",
        metadata={"DateTimeOriginal": "2024:06:21 20:14:00", "GPSLatitude": "52.5", "GPSLongitude": "13.4"},
    )
    text = "== Summary ==\nA sunset over [[Haifa]], {{w|Israel}}.\nI created this myself.\n{{GFDL}}\n== Licensing ==\n{{self|GFDL}}\n"
    code = mwparserfromhell.parse(text)
    # step 1 has already run in the pipeline: the heading is standard
    code.filter_headings()[0].title = " {{int:filedesc}} "
    report = StepReport()
    information_step(code, context(COMMONS, facts=facts), report)
    assert str(code) == (
        "== {{int:filedesc}} ==\n{{Information\n"
        "|description={{en|1=A sunset over [[Haifa]], {{w|Israel}}.\nI created this myself.}}\n"
        "|date=2024-06-21 20:14\n|source={{own work by original uploader}}\n"
        "|author=[[:en:User:Alice|Alice]]\n|permission=\n|other versions=\n}}\n{{Location|52.5|13.4}}\n"
        "{{GFDL}}\n\n== Licensing ==\n{{self|GFDL}}\n"
    )
    assert [n.key for n in report.changes] == [
        "wft-change-information-generated",
        "wft-change-location-added",
    ]


def test_generated_without_heading_on_a_local_target() -> None:
    facts = FileFacts(
        original_uploader="Bob", first_upload="2009-01-02T03:04:05Z", source_url="https://x/File:A"
    )
    ctx = context(commons_to_dewiki(), facts=facts, interwiki_prefix=None)
    result, _ = _step("Self-made photo\n{| class=x\n| a\n|}\n[[Category:A]]", ctx)
    # local target: no language template, a plain date, the source page instead of {{own work…}},
    # no interwiki prefix so the uploader is plain text; the table line stays where it was
    assert result == (
        "== {{int:filedesc}} ==\n{{Information\n|description=Self-made photo\n|date=2009-01-02\n"
        "|source=https://x/File:A\n|author=Bob\n|permission=\n|other versions=\n}}\n{| class=x\n| a\n|}\n"
        "[[Category:A]]"
    )


def test_generated_empty_when_nothing_is_known() -> None:
    ctx = context(RuleSet(), facts=FileFacts())
    result, _ = _step("", ctx)
    assert result == (
        "== {{int:filedesc}} ==\n{{Information\n|description=\n|date=\n|source=\n|author=\n|permission=\n"
        "|other versions=\n}}\n"
    )


def test_commons_upload_date_template_and_self_licence_template() -> None:
    ctx = context(COMMONS, facts=FileFacts(first_upload="2009-01-02T03:04:05Z"))
    result, _ = _step("== Licensing ==\n{{PD-self}}\n", ctx)
    assert "|date={{original upload date|2009-01-02}}" in result
    assert "|source={{own work by original uploader}}" in result
    assert result.startswith("== {{int:filedesc}} ==\n{{Information\n|description=\n")
    assert result.endswith("}}\n\n== Licensing ==\n{{PD-self}}\n")


def test_self_licensed_report_and_own_work_outside_region() -> None:
    ctx = context(COMMONS, facts=FileFacts())
    code = mwparserfromhell.parse("x")
    report = StepReport(self_licensed=True)
    generate_information(code, ctx, report)
    assert "|source={{own work by original uploader}}" in str(code)
    result, _ = _step("== Other ==\nOwn work, really", ctx)
    assert "|source={{own work by original uploader}}" in result


def test_lines_with_headings_or_only_templates_stay() -> None:
    ctx = context(RuleSet(), facts=FileFacts())
    result, _ = _step("{{Foo}} <!-- c --> [[Category:A]]\n__NOTOC__\ntext [[File:A.jpg]] ''b''", ctx)
    assert "|description={{en|1=text [[File:A.jpg]] ''b''}}" in result
    assert "\n{{Foo}} <!-- c --> [[Category:A]]\n__NOTOC__" in result


def test_existing_location_not_duplicated_and_no_template_no_gps() -> None:
    facts = FileFacts(metadata={"GPSLatitude": "1", "GPSLongitude": "2"})
    text = "{{Information|description=}}\n{{Object location|1|2}}"
    assert (
        _step(text, context(COMMONS, facts=facts))[0]
        == "{{Information|description=}}\n{{Object location|1|2}}"
    )
    assert _step("{{Information}}", context(RuleSet(), facts=facts))[0] == "{{Information}}"
    assert _step("{{Information}}", context(COMMONS, facts=FileFacts()))[0] == "{{Information}}"
    # Information not at the top level: the location goes first
    code = mwparserfromhell.parse("{{Box|{{Information}}}}")
    add_location(code, context(COMMONS, facts=facts), StepReport())
    assert str(code) == "{{Location|1|2}}\n{{Box|{{Information}}}}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024:06:21 20:14:00", "2024-06-21 20:14"),
        ("2024-06-21T20:14:00Z", "2024-06-21 20:14"),
        ("2024:06:21", "2024-06-21"),
        ("0000:00:00 00:00:00", None),
        ("2024:00:00", None),
        ("yesterday", None),
    ],
)
def test_exif_date(value: str, expected: str | None) -> None:
    assert exif_date(value) == expected


def test_metadata_datetime_fallback() -> None:
    ctx = context(
        RuleSet(),
        facts=FileFacts(metadata={"DateTimeOriginal": "0000:00:00", "DateTime": "2001:02:03 04:05:06"}),
    )
    assert "|date=2001-02-03 04:05\n" in _step("", ctx)[0]


@pytest.mark.parametrize(
    ("value", "ref", "limit", "expected"),
    [
        ("47.5", None, 90, 47.5),
        ("47/1, 30/1, 3600/100", "S", 90, -(47.5 + 36 / 3600)),
        ("122 30 0", "W", 180, -122.5),
        ("10 deg 30' 0.00\" E", None, 180, 10.5),
        ("12.5 S", None, 90, -12.5),
        ("91", None, 90, None),
        ("", None, 90, None),
        ("1 2 3 4", None, 90, None),
    ],
)
def test_coordinate(value: str, ref: str | None, limit: float, expected: float | None) -> None:
    result = coordinate(value, ref, limit)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_gps_needs_both_and_valid_values() -> None:
    assert gps(context(facts=FileFacts(metadata={"GPSLatitude": "1"}))) is None
    assert gps(context(facts=FileFacts(metadata={"GPSLatitude": "x", "GPSLongitude": "1"}))) is None
    assert gps(context(facts=FileFacts(metadata={"GPSLatitude": "1.1234567", "GPSLongitude": "-0.5"}))) == (
        "1.123457",
        "-0.5",
    )


def test_map_reports_whether_found() -> None:
    assert not map_information(mwparserfromhell.parse("{{Other}}"), context(RuleSet()), StepReport())
