"""The Russian catalogue is complete, keeps every placeholder, and its committed .mo matches the .po."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "klientura" / "locale"
CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
RU_PO = LOCALE_DIR / "ru" / "LC_MESSAGES" / "django.po"

# %(name)s-style (python-format) and {name}-style (python-brace-format) placeholders
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|\{\w*\}")
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
STRING = re.compile(r'^(".*")\s*$')
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry with msgctxt, msgid, msgid_plural, msgstr {index: text}, flags."""
    entries: list[dict] = []
    entry: dict = {}
    field: tuple | None = None

    def close() -> None:
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            close()
        elif line.startswith("#~"):  # obsolete entries are not part of the catalogue
            continue
        elif line.startswith("#,"):
            if "msgid" in entry:
                close()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            if "msgid" in entry:
                close()
        elif match := KEYWORD.match(line):
            keyword, index, token = match.groups()
            if keyword in ("msgctxt", "msgid") and "msgid" in entry and ("msgstr" in entry):
                close()
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index) if index is not None else 0)
                entry.setdefault("msgstr", {})[field[1]] = _unquote(token)
            else:
                field = (keyword,)
                entry[keyword] = _unquote(token)
        elif (match := STRING.match(line)) and field is not None:
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(match.group(1))
            else:
                entry[field[0]] += _unquote(match.group(1))
        else:
            raise AssertionError(f"{path}: cannot parse line {line!r}")
    close()
    for item in entries:
        item.setdefault("flags", set())
        item.setdefault("msgstr", {})
    return entries


def _label(entry: dict) -> str:
    return repr(entry["msgid"]) + (f" (context {entry['msgctxt']!r})" if "msgctxt" in entry else "")


def _messages(path: Path) -> list[dict]:
    return [e for e in read_po(path) if e["msgid"] != ""]


def _nplurals(path: Path) -> int:
    header = next(e for e in read_po(path) if e["msgid"] == "")["msgstr"][0]
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    return int(match.group(1)) if match else 2


def test_the_russian_catalogue_exists():
    assert RU_PO.exists()
    assert RU_PO.with_suffix(".mo").exists()
    assert len(_messages(RU_PO)) > 100


def test_the_reader_understands_the_format(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3;\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "menu"\nmsgid "a \\"b\\" "\n"c"\nmsgstr "x"\n\n'
        'msgid "%(n)s row"\nmsgid_plural "%(n)s rows"\nmsgstr[0] "1"\nmsgstr[1] ""\n"2"\nmsgstr[2] "3"\n\n'
        '#~ msgid "old"\n#~ msgstr "старое"\n',
        encoding="utf-8",
    )
    first, second = _messages(po)
    assert first == {
        "msgctxt": "menu",
        "msgid": 'a "b" c',
        "msgstr": {0: "x"},
        "flags": {"fuzzy", "python-format"},
    }
    assert second["msgid_plural"] == "%(n)s rows" and second["msgstr"] == {0: "1", 1: "2", 2: "3"}
    assert _nplurals(po) == 3


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_no_entry_is_fuzzy(path):
    fuzzy = [_label(e) for e in read_po(path) if "fuzzy" in e["flags"]]
    assert fuzzy == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_every_message_is_translated_in_every_plural_form(path):
    nplurals = _nplurals(path)
    untranslated = []
    for entry in _messages(path):
        expected = set(range(nplurals)) if "msgid_plural" in entry else {0}
        if set(entry["msgstr"]) != expected or not all(entry["msgstr"].values()):
            untranslated.append(_label(entry))
    assert untranslated == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_translations_keep_the_placeholders(path):
    wrong = []
    for entry in _messages(path):
        source = set(PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", "")))
        for index, text in entry["msgstr"].items():
            found = set(PLACEHOLDER.findall(text))
            # every placeholder kept, none invented (an unknown one would fail when formatted)
            if found != source:
                wrong.append(f"{_label(entry)}[{index}]: {sorted(source)} != {sorted(found)}")
    assert wrong == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_the_committed_mo_is_the_compiled_po(path, tmp_path):
    compiled = tmp_path / "compiled.mo"
    run = subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    committed = path.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run compilemessages"
    with compiled.open("rb") as fresh, committed.open("rb") as stored:
        fresh_catalog = gettext.GNUTranslations(fresh)._catalog
        stored_catalog = gettext.GNUTranslations(stored)._catalog
    stale = sorted(str(k) for k in fresh_catalog.keys() ^ stored_catalog.keys())
    stale += sorted(
        str(k) for k in fresh_catalog.keys() & stored_catalog.keys() if fresh_catalog[k] != stored_catalog[k]
    )
    assert stale == [], "the .mo is out of date: run compilemessages"


def test_django_serves_the_russian_catalogue():
    plurals = [e for e in _messages(RU_PO) if "msgid_plural" in e]
    with translation.override("ru"):
        assert translation.gettext("Clients") == "Клиенты"
        # Russian has three forms: 1 / 2–4 / 5–20, chosen by the catalogue's Plural-Forms
        for count, form in ((1, 0), (21, 0), (3, 1), (24, 1), (5, 2), (11, 2), (12, 2)):
            for entry in plurals:
                assert (
                    translation.ngettext(entry["msgid"], entry["msgid_plural"], count)
                    == entry["msgstr"][form]
                )
