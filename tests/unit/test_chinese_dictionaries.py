"""The compact dictionaries (hplearn/chinese.py) give exactly what stock jieba and pypinyin give."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hplearn import chinese
from hplearn.search import analysis

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Hand-picked: rare characters outside jieba's pattern, mixed scripts, digits, idioms, names,
# polyphonic characters, school words and synonyms the app adds to jieba.
EXTRA = [
    "", "a", "数", "七年级上册数学", "初二数学", "八年级下册语文", "心里七上八下的", "中华人民共和国国歌",
    "重庆朝阳银行行长", "长大了的长颈鹿", "我们在天津和平区学习", "B超检查", "三（2）班的同学们",
    "2024年人教版PPT课件", "㐀㐁㐂一二三", "龘靐齉爩", "ＡＢＣ全角", "e-mail与C++和C#",
    "你好，世界！\r\n再见",
    "主编：桂诗春", "地震了怎么办", "为什么天空是蓝色的", "自杀式袭击", "行行出状元", "银行的行长在行走",
    "乐不思蜀", "音乐快乐", "那些朝阳", "重新", "重要", "长城", "校长", "道德与法治", "生物学", "物理化学",
]


def _texts() -> list[str]:
    """A few hundred texts from the platform's own content: lines, and the Chinese runs in them."""
    lines: list[str] = []
    for path in sorted(CONTENT.rglob("*")):
        if path.suffix in {".md", ".txt", ".yaml", ".csv"} and path.is_file():
            lines.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    lines = [line for line in dict.fromkeys(lines) if _CJK_RUN.search(line)]
    runs = list(dict.fromkeys(run for line in lines for run in _CJK_RUN.findall(line)))
    return EXTRA + lines[::max(1, len(lines) // 400)] + runs[::max(1, len(runs) // 400)]


def _added_words() -> list[tuple[str, int | None]]:
    """The words the app adds to jieba (analysis.configure), in its order."""
    words: list[tuple[str, int | None]] = [(w, 200000) for w in analysis._school_words()]
    for group in analysis.read_synonyms(CONTENT / "synonyms.txt"):
        words.extend((w, None) for w in group if len(w) > 1 and analysis._is_cjk(w))
    return words


@pytest.fixture(scope="module")
def tokenizers():
    import jieba

    jieba.setLogLevel(60)
    stock = jieba.Tokenizer()
    stock.initialize()
    compact = chinese.tokenizer()
    assert compact.total == stock.total
    for word, freq in _added_words():
        stock.add_word(word, freq=freq)
        compact.add_word(word, freq=freq)
    assert compact.total == stock.total
    return stock, compact


def test_the_texts_are_a_few_hundred():
    assert len(_texts()) >= 500


def test_precise_and_search_modes_cut_as_jieba(tokenizers):
    stock, compact = tokenizers
    for text in _texts():
        assert compact.lcut(text, HMM=False) == stock.lcut(text, HMM=False), text
        assert compact.lcut_for_search(text, HMM=False) == stock.lcut_for_search(text, HMM=False)


def test_with_the_hmm_too(tokenizers):
    stock, compact = tokenizers
    for text in _texts()[:200]:
        assert compact.lcut(text) == stock.lcut(text), text
        assert compact.lcut_for_search(text) == stock.lcut_for_search(text), text


def test_the_dictionary_reads_as_jieba_freq(tokenizers):
    stock, compact = tokenizers
    probes = {w for text in _texts()[:300] for i in range(len(text)) for w in
              (text[i:i + 1], text[i:i + 2], text[i:i + 3], text[i:i + 5])}
    probes |= {w for w, _ in _added_words()} | {"", "中华人民共", "初二数", "zzz", "𠀀"}
    for word in sorted(probes):
        assert compact.FREQ.get(word) == stock.FREQ.get(word), word
        assert compact.FREQ.get(word, 1) == stock.FREQ.get(word, 1), word
        assert (word in compact.FREQ) == (word in stock.FREQ), word
    for text in _texts()[:100]:
        assert compact.get_DAG(text) == stock.get_DAG(text), text
        route, stock_route = {}, {}
        compact.calc(text, compact.get_DAG(text), route)
        stock.calc(text, stock.get_DAG(text), stock_route)
        assert route == stock_route, text


def test_added_and_deleted_words_and_suggested_frequencies(tokenizers):
    import jieba

    stock = jieba.Tokenizer()
    stock.initialize()
    compact = chinese.tokenizer()
    for tokenizer in (stock, compact):
        tokenizer.add_word("和平学习平台", freq=5)
        tokenizer.add_word("桂诗春")
        tokenizer.del_word("天津")
        tokenizer.suggest_freq(("七上", "八下"), tune=True)
    assert compact.total == stock.total
    assert compact.FREQ.get("和平学习") == stock.FREQ.get("和平学习") == 0
    for text in ["主编：桂诗春", "天津和平学习平台", "心里七上八下的", "天津市", *_texts()[:100]]:
        assert compact.lcut(text, HMM=False) == stock.lcut(text, HMM=False), text
        assert compact.suggest_freq(text) == stock.suggest_freq(text), text
    # words added to one tokenizer are not in another
    assert chinese.tokenizer().FREQ.get("和平学习平台") is None


def test_modes_it_does_not_offer_are_refused():
    compact = chinese.tokenizer()
    with pytest.raises(ValueError, match="precise and search modes"):
        compact.lcut("中华人民共和国", cut_all=True)
    with pytest.raises(ValueError, match="default dictionary only"):
        compact.initialize("/some/other/dict.txt")


_PINYIN_PROBE = """
import json, sys
texts = json.loads(sys.stdin.read())
if sys.argv[1] == "compact":
    from hplearn import chinese
    pypinyin = chinese.pypinyin_module()
    from pypinyin import constants
    assert type(constants.PHRASES_DICT).__name__ == "_Phrases", type(constants.PHRASES_DICT)
    assert type(constants.PINYIN_DICT).__name__ == "_Chars", type(constants.PINYIN_DICT)
else:
    import pypinyin
    from pypinyin import constants
    assert type(constants.PHRASES_DICT) is dict
from pypinyin import Style, lazy_pinyin, pinyin
out = []
for text in texts:
    out.append([
        lazy_pinyin(text),
        lazy_pinyin(text, errors="ignore"),
        lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore"),
        pinyin(text, heteronym=True),
        pinyin(text, style=Style.TONE3),
    ])
print(json.dumps(out, ensure_ascii=False))
"""


def _pinyin_of(texts: list[str], kind: str) -> list:
    done = subprocess.run([sys.executable, "-c", _PINYIN_PROBE, kind], input=json.dumps(texts),
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def test_pinyin_reads_as_pypinyin():
    texts = _texts()
    compact, stock = _pinyin_of(texts, "compact"), _pinyin_of(texts, "stock")
    for text, mine, theirs in zip(texts, compact, stock, strict=True):
        assert mine == theirs, text


def test_phrases_and_characters_read_as_pypinyin_dicts():
    pypinyin = chinese.pypinyin_module()
    from pypinyin import constants

    if type(constants.PHRASES_DICT) is dict:
        pytest.skip("this process imported stock pypinyin first")
    phrases = json.loads((Path(pypinyin.__file__).parent / "phrases_dict.json").read_text("utf-8"))
    for phrase, readings in phrases.items():
        assert constants.PHRASES_DICT[phrase] == readings
    chars = json.loads((Path(pypinyin.__file__).parent / "pinyin_dict.json").read_text("utf-8"))
    for code, readings in chars.items():
        assert constants.PINYIN_DICT[int(code)] == readings
    assert "一" not in constants.PHRASES_DICT and 0x4E00 in constants.PINYIN_DICT
    assert 0x10FFFF not in constants.PINYIN_DICT and -1 not in constants.PINYIN_DICT
