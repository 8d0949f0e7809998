"""Chinese text analysis, the same at index and at query time.

normalize() folds width, script, case and separators; tokens come from jieba (search mode at
index time, precise mode at query time) with Latin words and numbers kept whole; the school
vocabulary (初二 = 八年级, 8年级, 七上 = 七年级上册, subject short names) is rewritten to one form;
pinyin (full and initials) and title character n-grams feed their own, lower-weighted fields.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hplearn import chinese, vocab

MAX_QUERY_CHARS = 100
MAX_BODY_CHARS = 4000
MAX_PREFIX_CHARS = 12
MAX_TOKEN_CHARS = 40  # longer "words" are noise (hashes, URLs) and PostgreSQL caps lexemes

# Characters people put inside names (五•四学制, 人教版·数学) that mean nothing to search.
SEPARATORS = "•·・‧∙⋅●◦‐‑‒–—―_~～|"
STOPWORDS = frozenset([
    "的", "了", "和", "与", "及", "或", "是", "在", "之", "等", "把", "被", "对",
    "为", "也", "着", "呢", "吗", "啊", "吧", "个", "中", "上", "下", "有",
])
# Question and filler words students type around what they ask (地震了怎么办): dropped from a
# query unless nothing else is left, so they never block a match.
QUESTION_WORDS = frozenset([
    "怎么办", "怎么", "怎样", "怎么样", "如何", "为什么", "为何", "什么", "是什么", "啥", "谁",
    "是谁", "哪些", "哪里", "哪儿", "哪", "多少", "几个", "几", "吗", "呢", "呀", "了", "我",
    "我们", "你", "要", "该", "应该", "能", "可以", "会", "才", "还", "很", "太", "总是", "时候",
    "的时候", "一下", "请问", "意思", "干什么", "做", "注意", "就", "去", "里", "在",
])

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RUN = re.compile(
    rf"([{_CJK}]+)|(?<![a-z0-9.])([a-z0-9]{{1,{MAX_TOKEN_CHARS}}}(?:\.[0-9]+)?)(?![a-z0-9])"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SEPARATOR_RE = re.compile(f"[{re.escape(SEPARATORS)}]")
_PINYIN_LIKE = re.compile(r"[a-z]{2,40}")
_CN_DIGITS = "一二三四五六七八九"

_lock = threading.Lock()
_state: dict = {}


# ---------------------------------------------------------------------------------------------
# normalization


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str | None) -> str:
    """Fold full/half width, traditional → simplified, case, separators and control characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _CONTROL.sub(" ", text)
    text = _SEPARATOR_RE.sub("", text)
    text = _t2s().convert(text).lower()
    return apply_school_vocabulary(text)


def _grade_label_from_digits(match: re.Match) -> str:
    grade = int(match.group(1))
    return vocab.GRADE_NAMES.get(grade, match.group(0))


_GRADE_DIGITS = re.compile(r"(?<![0-9.])(1[0-2]|[1-9])\s*年级")
_JUNIOR = re.compile(r"初([一二三])(?:年级)?")
_SENIOR_LONG = re.compile(r"高中([一二三])年级")
_SUBJECT_NAMES = tuple(sorted(set(vocab.SUBJECTS) | set(vocab.SUBJECT_SHORT_NAMES), key=len))
_VOLUME_SHORT = re.compile(f"([{_CN_DIGITS}])([上下])(册?)")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _volume_shorthands(text: str) -> str:
    # 七上 / 八下 / 数学七上 / 七上数学 → 七年级上册…, but not the idiom in 心里七上八下的.
    def replace(match: re.Match) -> str:
        left, right = text[:match.start()], text[match.end():]
        left_ok = not left or not _CJK_CHAR.match(left[-1]) or left.endswith(_SUBJECT_NAMES)
        right_ok = (
            match.group(3) or not right or not _CJK_CHAR.match(right[0])
            or right.startswith(_SUBJECT_NAMES)
        )
        if left_ok and right_ok:
            return f"{match.group(1)}年级{match.group(2)}册"
        return match.group(0)

    return _VOLUME_SHORT.sub(replace, text)


def apply_school_vocabulary(text: str) -> str:
    """Rewrite grade names to one form: 初二/8年级 → 八年级, 高中一年级 → 高一, 七上 → 七年级上册."""
    text = _GRADE_DIGITS.sub(_grade_label_from_digits, text)
    text = _JUNIOR.sub(lambda m: f"{_CN_DIGITS[6 + '一二三'.index(m.group(1))]}年级", text)
    text = _SENIOR_LONG.sub(lambda m: f"高{m.group(1)}", text)
    if "上" in text or "下" in text:
        text = _volume_shorthands(text)
    return text


# ---------------------------------------------------------------------------------------------
# dictionaries: jieba words and synonyms


def _school_words() -> set[str]:
    words = set(vocab.SUBJECTS) | set(vocab.SUBJECT_SHORT_NAMES) | set(vocab.VOLUMES)
    words |= set(vocab.GRADE_NAMES.values()) | set(vocab.STAGES)
    words |= {f"{label}{volume}" for label in vocab.GRADE_NAMES.values() for volume in ("上册", "下册")}
    return words


def read_synonyms(path: str | Path | None) -> list[tuple[str, ...]]:
    """Read synonym groups from a file: one group a line, words split by spaces or commas."""
    if not path or not Path(path).is_file():
        return []
    groups = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = (normalize(part) for part in re.split(r"[\s,，、]+", line))
        words = tuple(dict.fromkeys(word for word in parts if word))
        if len(words) > 1:
            groups.append(words)
    return groups


def _synonym_table(groups: list[tuple[str, ...]]) -> dict[str, frozenset[str]]:
    classes: dict[str, set[str]] = {}
    subject_groups = [
        (short, full) for short, full in vocab.SUBJECT_SHORT_NAMES.items()
    ]
    for group in [*subject_groups, *groups]:
        merged = set(group)
        for word in group:
            merged |= classes.get(word, set())
        for word in merged:
            classes[word] = merged
    return {word: frozenset(words) for word, words in classes.items()}


def configure(synonyms_path: str | Path | None = None) -> None:
    """Load the jieba dictionary (once per process) and the synonyms file."""
    with _lock:
        tokenizer = _state.get("tokenizer")
        if tokenizer is None:
            tokenizer = chinese.tokenizer()  # jieba's, its dictionary in a mapped trie
            for word in _school_words():
                tokenizer.add_word(word, freq=200000)
            _state["tokenizer"] = tokenizer
        groups = read_synonyms(synonyms_path)
        for group in groups:
            for word in group:
                if len(word) > 1 and _is_cjk(word):
                    tokenizer.add_word(word)
        _state["synonyms"] = _synonym_table(groups)
        _state["synonyms_path"] = str(synonyms_path or "")
        _cut_for_search.cache_clear()


def _tokenizer():
    if "tokenizer" not in _state:
        configure(None)
    return _state["tokenizer"]


def synonyms_of(word: str) -> frozenset[str]:
    """The words that mean the same as word (itself included)."""
    if "synonyms" not in _state:
        configure(None)
    return _state["synonyms"].get(word, frozenset((word,)))


def _is_cjk(text: str) -> bool:
    return bool(re.fullmatch(f"[{_CJK}]+", text))


# ---------------------------------------------------------------------------------------------
# tokens


def _runs(normalized: str):
    for match in _TOKEN_RUN.finditer(normalized):
        yield match.group(1), match.group(2)


@lru_cache(maxsize=200_000)
def _cut_for_search(run: str) -> tuple[str, ...]:
    return tuple(_tokenizer().cut_for_search(run, HMM=False))


def index_tokens(text: str | None, *, normalized: bool = False) -> list[str]:
    """Tokens of a text for the index: jieba search mode, Latin words and numbers whole."""
    text = text if normalized else normalize(text)
    tokens: list[str] = []
    for cjk, latin in _runs(text):
        if latin:
            tokens.append(latin)
        else:
            tokens.extend(t for t in _cut_for_search(cjk) if t not in STOPWORDS)
    return tokens


def query_words(normalized: str) -> list[str]:
    """Words of a normalized query: jieba precise mode, Latin words and numbers whole."""
    words: list[str] = []
    for cjk, latin in _runs(normalized):
        if latin:
            words.append(latin)
        else:
            words.extend(_tokenizer().lcut(cjk, HMM=False))
    meaningful = [w for w in words if w not in STOPWORDS]
    asked = [w for w in meaningful if w not in QUESTION_WORDS]
    return list(dict.fromkeys(asked or meaningful or words))


def cjk_runs(normalized: str) -> list[str]:
    """The runs of Chinese characters in a normalized text."""
    return [cjk for cjk, _ in _runs(normalized) if cjk]


def char_grams(text: str) -> list[str]:
    """Single characters and pairs of adjacent CJK characters (so 诗 and 古诗 find 古诗三首)."""
    grams: list[str] = []
    for cjk, _ in _runs(text):
        if not cjk:
            continue
        grams.extend(cjk)
        grams.extend(cjk[i:i + 2] for i in range(len(cjk) - 1))
    return grams


@lru_cache(maxsize=100_000)
def pinyin_forms(word: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese word: 数学 → ("shuxue", "sx")."""
    pypinyin = chinese.pypinyin_module()
    syllables = pypinyin.lazy_pinyin(word, errors="ignore")
    initials = pypinyin.lazy_pinyin(word, style=pypinyin.Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables), "".join(initials)


def pinyin_tokens(words) -> list[str]:
    """Pinyin (full and initials) of the Chinese words among words."""
    tokens: list[str] = []
    for word in words:
        full, initials = pinyin_forms(word)
        if full and full != word:
            tokens.append(full)
            if len(initials) > 1:
                tokens.append(initials)
    return tokens


def compact(normalized: str) -> str:
    """The searchable characters of a normalized text, without spaces or punctuation."""
    return "".join(cjk or latin for cjk, latin in _runs(normalized))


def _words(text: str, vocabulary: set[str]) -> list[str]:
    # Longest known word at each position (the title's own tokens), else one character.
    longest = max(map(len, vocabulary), default=1)
    words, position = [], 0
    while position < len(text):
        for size in range(min(longest, len(text) - position), 0, -1):
            piece = text[position:position + size]
            if size == 1 or piece in vocabulary:
                words.append(piece)
                position += size
                break
    return words


def title_keys(normalized_title: str, title_tokens: list[str]) -> tuple[str, str, str]:
    """What autocomplete matches a title's start with: its characters, pinyin and initials."""
    head = compact(normalized_title)[:MAX_PREFIX_CHARS]
    vocabulary = set(title_tokens)
    full, initials = [], []
    for cjk, latin in _runs(head):
        if latin:
            full.append(latin)
            initials.append(latin)
            continue
        for word in _words(cjk, vocabulary):
            word_full, word_initials = pinyin_forms(word)
            full.append(word_full)
            initials.append(word_initials)
    return head, "".join(full), "".join(initials)


# ---------------------------------------------------------------------------------------------
# documents and queries


@dataclass
class AnalyzedFields:
    """The token lists of one document, per index field."""

    title: list[str]
    meta: list[str]
    body: list[str]
    chars: list[str]
    pinyin: list[str]
    title_keys: tuple[str, str, str]


def analyze_document(title: str, body: str = "", keywords: str = "") -> AnalyzedFields:
    """Tokens of a document's title, structured fields (keywords) and body."""
    normal_title = normalize(title)
    title_tokens = index_tokens(normal_title, normalized=True)
    meta_tokens = _keyword_tokens(keywords)
    return AnalyzedFields(
        title=title_tokens,
        meta=meta_tokens,
        body=index_tokens((body or "")[:MAX_BODY_CHARS]),
        chars=char_grams(normal_title),
        pinyin=pinyin_tokens(dict.fromkeys(title_tokens + _pinyin_worthy(meta_tokens))),
        title_keys=title_keys(normal_title, title_tokens),
    )


_COMMON_FIELD_WORDS = frozenset(
    [*vocab.STAGES, *vocab.VOLUMES, *vocab.RESOURCE_KINDS.values(), "普通", "电子", "教材"]
)


def _pinyin_worthy(meta_tokens: list[str]) -> list[str]:
    # Subjects, topics, tags and editions get pinyin; grade, stage, volume and kind words are on
    # nearly every document and nobody types them as pinyin.
    return [t for t in meta_tokens if t not in _COMMON_FIELD_WORDS and "年" not in t]


def _joined_single_characters(tokens) -> list[str]:
    # jieba cuts a name it does not know into characters (主编：桂诗春 → 桂 诗 春); as structured
    # fields those would make a one-character query (诗) rank an editor's name above a title
    # holding the character, so each run of single characters is kept as one word instead.
    words: list[str] = []
    singles: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and _is_cjk(token):
            singles.append(token)
            continue
        words.extend(["".join(singles)] if len(singles) > 1 else singles)
        singles = []
        if token:
            words.append(token)
    return words


@lru_cache(maxsize=20_000)
def _keyword_tokens_cached(keywords: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for cjk, latin in _runs(normalize(keywords)):
        if latin:
            tokens.append(latin)
        else:
            tokens.extend(_joined_single_characters(
                t for t in _cut_for_search(cjk) if t not in STOPWORDS))
    return tuple(tokens)


def _keyword_tokens(keywords: str) -> list[str]:
    return list(_keyword_tokens_cached(keywords or ""))


@dataclass(frozen=True)
class QueryTerm:
    """One word of a query and every form a document may hold it in."""

    word: str
    alternatives: tuple[str, ...]
    char_grams: tuple[str, ...] = ()
    pinyin: str | None = None


@dataclass
class AnalyzedQuery:
    """A query as the backends see it."""

    text: str
    normalized: str
    terms: list[QueryTerm] = field(default_factory=list)
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        """Whether nothing searchable is left."""
        return not self.terms


def _query_term(word: str) -> QueryTerm:
    alternatives = tuple(sorted(synonyms_of(word), key=lambda w: (w != word, w)))
    grams: tuple[str, ...] = ()
    if _is_cjk(word):
        grams = (word,) if len(word) <= 2 else tuple(word[i:i + 2] for i in range(len(word) - 1))
    pinyin = word if _PINYIN_LIKE.fullmatch(word) else None
    return QueryTerm(word=word, alternatives=alternatives, char_grams=grams, pinyin=pinyin)


def analyze_query(text: str | None, max_chars: int = MAX_QUERY_CHARS) -> AnalyzedQuery:
    """Analyze what a user typed; anything is safe, long input is cut to max_chars."""
    raw = (text or "").strip()
    truncated = len(raw) > max_chars
    raw = raw[:max_chars]
    normalized = " ".join(normalize(raw).split())
    terms = [_query_term(word) for word in query_words(normalized)]
    return AnalyzedQuery(text=raw, normalized=normalized, terms=terms, truncated=truncated)
