"""The moderation word lists: the files' words plus those district admins add in the web UI.

The files (content/*_words.txt and the instance folder's) stay the starting lists; words added
here are kept in the database, so no one needs to edit a file on the server. Every change is
audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from hplearn import policy
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.qa.models import WORD_LISTS, ModerationWord
from hplearn.qa.safety import added_words, file_words
from hplearn.qa.services import InvalidQuestion, NotAllowed, QuestionNotFound

WORD_MAX = 40


@dataclass(frozen=True)
class ListedWord:
    """One word of a list as the admin page shows it: from a file, or added here (with its row)."""

    word: str
    entry: ModerationWord | None


def _list_name(value) -> str:
    name = str(value or "").strip()
    if name not in WORD_LISTS:
        raise InvalidQuestion("没有这个词表。", "list_name")
    return name


def clean_word(value) -> str:
    """A word as stored: NFKC, lower case, inner spaces removed; refused if empty or odd."""
    word = "".join(unicodedata.normalize("NFKC", str(value or "")).lower().split())
    if not word:
        raise InvalidQuestion("请填写要加入的词语。", "word")
    if len(word) > WORD_MAX:
        raise InvalidQuestion(f"词语不能超过 {WORD_MAX} 个字。", "word")
    if "#" in word or any(unicodedata.category(ch)[0] == "C" for ch in word):
        raise InvalidQuestion("词语里不能有 # 或看不见的控制字符。", "word")
    if len(word) < 2 and not ("\u4e00" <= word <= "\u9fff"):
        raise InvalidQuestion("一个字母或数字太短，会误伤正常的问题，请写完整的词语。", "word")
    return word


def words_of(list_name: str) -> list[ListedWord]:
    """A list for the admin page: the files' words, then the added ones (newest last)."""
    rows = db.session.scalars(select(ModerationWord).where(
        ModerationWord.list_name == list_name).order_by(ModerationWord.id))
    from_files = [ListedWord(word, None) for word in file_words(list_name)]
    return from_files + [ListedWord(row.word, row) for row in rows]


def add_word(actor, list_name, value) -> ModerationWord:
    """A district admin adds a word to a list (audited); a word already listed is refused."""
    if not policy.can_edit_word_lists(actor):
        raise NotAllowed("只有区级管理员可以修改词表。")
    name, word = _list_name(list_name), clean_word(value)
    if word in file_words(name) or word in added_words(name):
        raise InvalidQuestion(f"“{word}”已经在词表里了。", "word")
    entry = ModerationWord(list_name=name, word=word, added_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit(actor, "wordlist.add", entry, list_name=name, word=word)
    db.session.commit()
    return entry


def remove_word(actor, entry_id: int) -> str:
    """A district admin removes a word added in the web UI (the files' words stay)."""
    if not policy.can_edit_word_lists(actor):
        raise NotAllowed("只有区级管理员可以修改词表。")
    entry = db.session.get(ModerationWord, entry_id)
    if entry is None:
        raise QuestionNotFound("没有找到这个词语，可能已经删除了。")
    word = entry.word
    audit(actor, "wordlist.remove", entry, list_name=entry.list_name, word=word)
    db.session.delete(entry)
    db.session.commit()
    return word
