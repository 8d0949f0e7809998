"""Normalising what students type before screening it: widths, traditional characters, hidden
characters, punctuation, and a pinyin view for words typed in pinyin."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from hplearn import chinese

# Zero-width and other invisible characters students (or keyboards) put inside words: 自\u200b杀.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
# Book and film titles are about the work, not the student: 《活着》, 《我想去死的那一天》.
_TITLE = re.compile(r"《[^》]{0,40}》")
_ZHE = re.compile(r"(?<=[活睡坐站躺看听想走跑笑哭等忍])著")
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC (full-width letters and digits to half-width), lower case, traditional to simplified,
    invisible characters removed; spacing and punctuation are kept."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE.sub("", text).lower()
    # OpenCC leaves 著 alone (著名 is right in both scripts); after a verb it is 着: 活著 -> 活着.
    return _ZHE.sub("着", _converter().convert(text))


# Letters and digits of any script stay (\w less the underscore is str.isalnum: Unicode letters and
# numbers); spaces, punctuation, symbols and controls go.
_NOT_KEPT = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Text as screened for words: simplified (see simplify) with titles, spaces and punctuation
    removed, so that 自 杀, 自/杀, 自殺 and 自\u200b杀 all read 自杀."""
    return _NOT_KEPT.sub("", _TITLE.sub("", simplify(text)))


@lru_cache(maxsize=4096)
def pinyin(text: str) -> str:
    """The toneless pinyin of text, syllables joined: 自杀 -> zisha."""
    return "".join(chinese.lazy_pinyin(text))


class PinyinView:
    """A normalised text read in pinyin, remembering which letters the student typed as Latin.

    A word counts as typed in pinyin only when its pinyin covers at least one typed letter, so
    我想zisha is caught while 紫砂 (also zisha) written in characters is not.
    """

    def __init__(self, flat: str) -> None:
        texts, mask, index = [], [], 0
        for part in chinese.lazy_pinyin(flat):
            from_han = index < len(flat) and bool(_HAN.fullmatch(flat[index]))
            texts.append(part)
            mask.append(("0" if from_han else "1") * len(part))
            index += 1 if from_han else len(part)
        self.text, self.typed_mask = "".join(texts), "".join(mask)

    def typed(self, target: str) -> bool:
        """Whether target occurs in the pinyin view covering at least one typed letter."""
        if not target or "1" not in self.typed_mask:
            return False
        start = self.text.find(target)
        while start != -1:
            if "1" in self.typed_mask[start:start + len(target)]:
                return True
            start = self.text.find(target, start + 1)
        return False
