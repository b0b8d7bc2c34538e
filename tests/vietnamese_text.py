"""Finding English on a rendered page: the visible text of an HTML document, and a
check of each word against the shape of a Vietnamese syllable.

A word written only in ASCII letters is suspicious when it cannot be a Vietnamese
syllable without its diacritics (onset, vowel nucleus, coda), or when it is one of
the common English words that happen to have that shape ("the", "to", "in"...).
Words with Vietnamese letters (ă, â, đ, ê, ô, ơ, ư or a tone mark) are Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

ONSETS = "ngh ng nh ch gh gi kh ph qu th tr b c d g h k l m n p r s t v x".split() + [
    ""
]
#: Vowel nuclei with their glides, diacritics removed (a/ă/â, e/ê, o/ô/ơ, u/ư).
NUCLEI = set(
    """a ai ao au ay e eo eu i ia ie ieu iu o oa oai oay oe oeo oi oo u ua uay
    uo ue ui uoi uou uu uy uya uye uyu y ye yeu""".split()
)
CODAS = ["ng", "nh", "ch", "c", "m", "n", "p", "t", ""]

#: Valid syllable shapes that are everyday English words.
ENGLISH_LOOKALIKES = set(
    """the to on in an no me at it is as of or by be we my up us he
    oh ok via per due add new view list log out all any are has had her
    his its may not our see set use was who why yes you""".split()
)

#: Vietnamese phrases holding a syllable that is also an English look-alike.
VIETNAMESE_PHRASES = [
    "Nghệ An",
    "an toàn",
    "an ninh",
    "bản in",
    "in ấn",
    "to lớn",
]

_RHYME = re.compile(
    "^(?:{nuclei})(?:{codas})?$".format(
        nuclei="|".join(sorted(NUCLEI, key=len, reverse=True)),
        codas="|".join(c for c in CODAS if c),
    )
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (ASCII letters) can be a Vietnamese syllable written
    without its diacritics."""
    word = word.lower()
    for onset in sorted(ONSETS, key=len, reverse=True):
        if not word.startswith(onset):
            continue
        rhyme = word[len(onset) :]
        if not rhyme or not _RHYME.match(rhyme):
            continue
        # "k", "gh" and "ngh" only before i, e, y; "c" and "g" never before them
        # (except "gi", which is an onset of its own).
        front = rhyme[0] in "iey"
        if onset in ("k", "gh", "ngh") and not front:
            continue
        if onset in ("c", "ng") and front:
            continue
        if onset == "qu" and rhyme[0] == "u":
            continue
        return True
    return False


def is_suspicious(word: str) -> bool:
    """An English-looking word: ASCII only, not an abbreviation or code, and either
    not a Vietnamese syllable or a common English word of that shape."""
    if not word.isascii():
        return False
    if word.isupper() or len(word) == 1:
        return False  # UBND, SNV, TCBC, PDF…; the B of "Loại B"
    lowered = word.lower()
    return lowered in ENGLISH_LOOKALIKES or not is_vietnamese_syllable(lowered)


class _VisibleText(HTMLParser):
    SKIP = {"script", "style", "noscript", "template"}
    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "label", "help-text"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._skip_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP or self._is_icon(tag, attrs):
            self._skip_tags.append(tag)
            self._skipping += 1
            return
        for name in self.ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        shown_value = (
            tag == "input" and attrs.get("type") in ("submit", "button", "reset")
        ) or (tag.startswith("md-") and "disabled" in attrs)
        if shown_value and attrs.get("value"):
            self.parts.append(attrs["value"])

    @staticmethod
    def _is_icon(tag, attrs) -> bool:
        """A Material icon: its text is a ligature drawn as a picture."""
        return "material-icons" in (attrs.get("class") or "") or tag == "vf-icon"

    def handle_endtag(self, tag):
        if self._skip_tags and tag == self._skip_tags[-1]:
            self._skip_tags.pop()
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a person reads on the page: the text nodes outside scripts and
    styles (comments are dropped), and the placeholders, titles, labels and
    button values."""
    parser = _VisibleText()
    parser.feed(unicodedata.normalize("NFC", html))
    parser.close()
    return "\n".join(part for part in parser.parts if part.strip())


def english_words(text: str, *, allowed: set[str] = frozenset()) -> set[str]:
    """The suspicious words of ``text``, leaving out the ``allowed`` ones (names of
    people and places, the product name…) and the Vietnamese phrases whose
    syllables look English."""
    text = unicodedata.normalize("NFC", text)
    for phrase in VIETNAMESE_PHRASES:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    allowed_lower = {word.lower() for word in allowed}
    return {
        word
        for word in _WORD.findall(text)
        if word.lower() not in allowed_lower and is_suspicious(word)
    }
