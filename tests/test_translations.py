"""Vietnamese is the default language: every string a person reads is translated,
and the compiled catalogue shipped with the project matches its source."""

import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PO = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
VENDOR_PO = ROOT / "locale_vendor" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(po: Path = PROJECT_PO):
    """(fields, flags) of every entry of a .po file."""
    text = po.read_text(encoding="utf-8")
    for block in re.split(r"\n\s*\n", text):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        fields = {}
        current = None
        for line in block.splitlines():
            match = re.match(
                r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line
            )
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            yield fields, flags


@pytest.mark.parametrize("po", [PROJECT_PO, VENDOR_PO], ids=["project", "vendor"])
def test_every_string_has_a_vietnamese_translation(po):
    missing = []
    for fields, flags in _entries(po):
        translated = [v for k, v in fields.items() if k.startswith("msgstr")]
        if "fuzzy" in flags or not all(translated):
            missing.append(fields["msgid"])
    assert missing == []


def test_compiled_catalogue_matches_the_source():
    with translation.override("vi"):
        catalog = translation.trans_real.translation("vi")._catalog
        stale = []
        for fields, _flags in _entries():
            key = _unescape(fields["msgid"])
            if "msgctxt" in fields:
                key = f"{_unescape(fields['msgctxt'])}\x04{key}"
            if "msgid_plural" in fields:
                key = (key, 0)
            expected = fields.get("msgstr", fields.get("msgstr[0]"))
            got = catalog.get(key)
            if got is not None and got != _unescape(expected):
                stale.append(fields["msgid"])
            elif got is None:
                stale.append(fields["msgid"])
    assert stale == []


def _unescape(value: str) -> str:
    """The text a .po string literal stands for (its backslash escapes undone)."""
    table = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), m.group(0)), value)


def test_interface_speaks_vietnamese_by_default():
    with translation.override("vi"):
        assert translation.gettext("Organisational chart") == "Sơ đồ tổ chức"
    with translation.override("en"):
        assert translation.gettext("Organisational chart") == "Organisational chart"
