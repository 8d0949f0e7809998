"""Chinese dictionaries held compactly: jieba's words and pypinyin's readings in mapped tries.

jieba keeps its prefix dictionary as ~500,000 Python str → int entries (about 65 MB a process) and
pypinyin its phrases and characters as Python dicts, lists and a set of prefixes (about 50 MB).
Here the same data is read from files built once from the libraries' own dictionary files (a
marisa trie of the words and a table of frequencies or readings, mapped read-only, so processes
share the pages) and the libraries' algorithms run unchanged over it:

- `Tokenizer` is jieba's `Tokenizer`, its code and API (`FREQ`, `total`, `get_DAG`, `calc`,
  `cut`, `lcut`, `cut_for_search`, `add_word`, `suggest_freq`) with `FREQ` backed by the trie;
  words added at run time live in a small dict beside it. It gives jieba's tokens exactly
  (tests/unit/test_chinese_dictionaries.py compares them).
- `lazy_pinyin` is pypinyin's, with pypinyin's phrase and character dictionaries and its
  segmenter's prefix set replaced by the mapped tables before pypinyin first loads them.

The files (about 4 MB) live in `$XDG_CACHE_HOME/hplearn` (`~/.cache/hplearn`; when it cannot be
written, `hplearn-UID` in the temporary folder), named by a digest of the source files, and are
built in a child process the first time (1–3 s) so that the building's garbage never stays in a
serving process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import mmap
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
from array import array
from math import log
from pathlib import Path

__all__ = ["Tokenizer", "lazy_pinyin", "pypinyin_module", "tokenizer"]

log_ = logging.getLogger(__name__)

FORMAT = 2
_MAGIC = b"HPCD"
# magic, format, count of keys, a number (jieba's total; else 0), the longest key's length
_HEADER = struct.Struct("<4sIQQI4x")
_lock = threading.RLock()


# ---------------------------------------------------------------------------------------------
# the files


def cache_dir() -> Path:
    """Where the built dictionaries are kept."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(
        os.path.expanduser("~"), ".cache")
    return Path(base) / "hplearn"


def _package_file(package: str, name: str) -> Path:
    # find_spec of a top-level package does not import it (jieba's import alone costs ~13 MB).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


def _sources() -> dict[str, list[Path]]:
    return {
        "jieba": [_package_file("jieba", "dict.txt")],
        "pinyin": [_package_file("pypinyin", "phrases_dict.json"),
                   _package_file("pypinyin", "pinyin_dict.json")],
    }


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha1(f"format {FORMAT}".encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _write_table(prefix: Path, name: str, entries: dict[str, str | int], number: int = 0,
                 *, numbers: bool = False) -> None:
    """A marisa trie of the keys (prefix-name.trie) and their values by trie id (.values)."""
    import marisa_trie

    trie = marisa_trie.Trie(entries)
    count = len(trie)
    longest = max(map(len, entries), default=0)
    if numbers:
        values = array("I", bytes(4 * count))
        for key, value in entries.items():
            values[trie[key]] = value
        body = values.tobytes()
    else:
        encoded = [b""] * count
        for key, value in entries.items():
            encoded[trie[key]] = str(value).encode("utf-8")
        offsets = array("I", [0])
        for item in encoded:
            offsets.append(offsets[-1] + len(item))
        body = offsets.tobytes() + b"".join(encoded)
    if sys.byteorder != "little":  # pragma: no cover - every supported machine is little-endian
        raise RuntimeError("the dictionary files are written little-endian")
    header = _HEADER.pack(_MAGIC, FORMAT, count, number, longest)
    for suffix, data in ((".trie", None), (".values", header + body)):
        final = prefix.with_name(f"{prefix.name}-{name}{suffix}")
        fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=".building-")
        os.close(fd)
        try:
            if data is None:
                trie.save(temporary)
            else:
                Path(temporary).write_bytes(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, final)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _build(kind: str, prefix: Path) -> None:
    """Build the files of one kind from the library's own dictionary files (a child's job)."""
    sources = _sources()[kind]
    if kind == "jieba":
        # jieba's gen_pfdict: "word freq [tag]" a line, the last line of a word wins, every line
        # counts in the total, and each prefix of a word that is no word is kept with 0.
        freqs: dict[str, int] = {}
        total = 0
        with sources[0].open("rb") as lines:
            for line in lines:
                word, freq = line.strip().decode("utf-8").split(" ")[:2]
                freqs[word] = int(freq)
                total += int(freq)
                for end in range(1, len(word) + 1):
                    freqs.setdefault(word[:end], 0)
        _write_table(prefix, "words", freqs, total, numbers=True)
    elif kind == "pinyin":
        import json

        phrases = json.loads(sources[0].read_text(encoding="utf-8"))
        _write_table(prefix, "phrases", {
            phrase: " ".join(",".join(readings) for readings in value)
            for phrase, value in phrases.items()
        })
        _write_table(prefix, "prefixes", {
            phrase[:end]: "" for phrase in phrases for end in range(1, len(phrase) + 1)})
        chars = json.loads(sources[1].read_text(encoding="utf-8"))
        _write_table(prefix, "chars", {chr(int(code)): value for code, value in chars.items()})
    else:
        raise ValueError(kind)
    prefix.with_name(prefix.name + ".done").write_text("ok\n")


def _built(kind: str) -> Path:
    """The prefix of one kind's files, built first when missing (in the temporary folder when
    the cache folder cannot be written, e.g. a service user without a home)."""
    name = f"{kind}-{_digest(_sources()[kind])}"
    folders = [cache_dir(), Path(tempfile.gettempdir()) / f"hplearn-{os.getuid()}"]
    for folder in folders:
        if (folder / f"{name}.done").exists():
            return folder / name
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            break
    prefix = folder / name
    command = [sys.executable, "-c", "import sys; from hplearn.chinese import _build; "
               "_build(sys.argv[1], __import__('pathlib').Path(sys.argv[2]))", kind, str(prefix)]
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [root, os.environ.get("PYTHONPATH", "")]))}
    try:
        subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as error:
        log_.warning("building the %s dictionary in a child process failed (%s); building here",
                     kind, error)
        _build(kind, prefix)
    return prefix


class _Table:
    """Keys in a mapped marisa trie, each with a number or a text, looked up by the trie's id."""

    def __init__(self, prefix: Path, name: str, *, numbers: bool = False) -> None:
        import marisa_trie

        self.trie = marisa_trie.Trie()
        self.trie.mmap(str(prefix.with_name(f"{prefix.name}-{name}.trie")))
        with open(prefix.with_name(f"{prefix.name}-{name}.values"), "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, version, count, self.number, self.longest = _HEADER.unpack_from(self._map)
        if magic != _MAGIC or version != FORMAT or count != len(self.trie):
            raise ValueError(f"{prefix}-{name}: not a dictionary file of format {FORMAT}")
        view = memoryview(self._map)[_HEADER.size:]
        if numbers:
            self.numbers = view[:4 * count].cast("I")
        else:
            self._offsets = view[:4 * (count + 1)].cast("I")
            self._texts = view[4 * (count + 1):]

    def text(self, key_id: int) -> str:
        return str(self._texts[self._offsets[key_id]:self._offsets[key_id + 1]], "utf-8")


# ---------------------------------------------------------------------------------------------
# jieba


class WordFrequencies:
    """jieba's FREQ: each word's frequency, 0 for a prefix of a word that is no word itself.

    The dictionary's words are read from the mapped trie; words set at run time (add_word) are
    kept in a dict that takes precedence.
    """

    def __init__(self, table: _Table) -> None:
        self._trie = table.trie
        self._freqs = table.numbers
        self.base_total = table.number
        self.added: dict[str, int] = {}
        self.added_prefixes: set[str] = set()
        self.longest = table.longest

    def get(self, word: str, default=None):
        """The word's frequency, 0 for a mere prefix, default when no word starts so."""
        found = self.added.get(word)
        if found is not None:
            return found
        key_id = self._trie.get(word)
        if key_id is not None:
            return self._freqs[key_id]
        if word in self.added_prefixes:
            return 0
        return default

    def __contains__(self, word) -> bool:
        return word in self.added_prefixes or word in self._trie

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found

    def __setitem__(self, word: str, freq: int) -> None:
        self.added[word] = freq
        self.added_prefixes.update(word[:end] for end in range(1, len(word) + 1))
        self.longest = max(self.longest, len(word))

    def __len__(self) -> int:
        return len(self._trie) + sum(word not in self._trie for word in self.added)

    def words_at(self, sentence: str, start: int) -> list[tuple[int, int]]:
        """(end, frequency) of every word with a frequency that starts sentence at start."""
        found = []
        added = self.added
        freqs = self._freqs
        for word, key_id in self._trie.iter_prefixes_with_ids(
                sentence[start:start + self.longest]):
            freq = added.get(word)
            if freq is None:
                freq = freqs[key_id]
            if freq:
                found.append((start + len(word) - 1, freq))
        if added and sentence[start] in self.added_prefixes:
            found.extend(self.added_at(sentence, start))
        return found

    def added_at(self, sentence: str, start: int) -> list[tuple[int, int]]:
        """(end, frequency) of the words added at run time, not in the dictionary, at start."""
        found = []
        end = start + 1
        while end <= len(sentence) and sentence[start:end] in self.added_prefixes:
            word = sentence[start:end]
            freq = self.added.get(word)
            if freq and word not in self._trie:
                found.append((end - 1, freq))
            end += 1
        return found


# jieba's own patterns (jieba/__init__.py 0.42.1).
re_eng = re.compile("[a-zA-Z0-9]", re.U)
re_han_default = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
re_skip_default = re.compile("(\r\n|\\s)", re.U)


class Tokenizer:
    """jieba.Tokenizer over the mapped dictionary (precise and search modes, with or without
    HMM; the full mode and paddle are not offered)."""

    def __init__(self, words: WordFrequencies) -> None:
        self.FREQ = words
        self.total = words.base_total
        self.user_word_tag_tab: dict[str, str] = {}
        self.initialized = True
        self.lock = threading.RLock()

    def __repr__(self) -> str:
        return "<Tokenizer dictionary=compact>"

    def initialize(self, dictionary=None) -> None:
        """Nothing to do: the dictionary is mapped when the tokenizer is made."""
        if dictionary:
            raise ValueError("the compact tokenizer holds jieba's default dictionary only")

    def check_initialized(self) -> None:
        """Nothing to do (jieba's API)."""

    # jieba's algorithms, verbatim apart from the dictionary lookups --------------------------

    def calc(self, sentence, DAG, route):
        """jieba's calc: the best route through the DAG by log frequencies."""
        N = len(sentence)
        route[N] = (0, 0)
        logtotal = log(self.total)
        for idx in range(N - 1, -1, -1):
            route[idx] = max((log(self.FREQ.get(sentence[idx:x + 1]) or 1)
                              - logtotal + route[x + 1][0], x) for x in DAG[idx])

    def get_DAG(self, sentence):
        """jieba's get_DAG: for each start, the ends of the dictionary words found there."""
        words_at = self.FREQ.words_at
        return {k: sorted(end for end, _ in words_at(sentence, k)) or [k]
                for k in range(len(sentence))}

    def _route(self, sentence):
        # get_DAG and calc in one pass, the frequencies read once; the same floats as calc.
        # (words_at inlined: this loop is most of the indexing's tokenizing)
        N = len(sentence)
        route = [(0, 0)] * (N + 1)
        logtotal = log(self.total)
        words = self.FREQ
        prefixes_with_ids = words._trie.iter_prefixes_with_ids
        freqs, added, longest = words._freqs, words.added, words.longest
        for idx in range(N - 1, -1, -1):
            best = None
            for word, key_id in prefixes_with_ids(sentence[idx:idx + longest]):
                freq = added.get(word, -1) if added else -1
                if freq < 0:
                    freq = freqs[key_id]
                if freq:
                    end = idx + len(word)
                    candidate = (log(freq) - logtotal + route[end][0], end - 1)
                    if best is None or candidate > best:
                        best = candidate
            if added and sentence[idx] in words.added_prefixes:
                for end, freq in words.added_at(sentence, idx):
                    candidate = (log(freq) - logtotal + route[end + 1][0], end)
                    if best is None or candidate > best:
                        best = candidate
            route[idx] = best or (log(1) - logtotal + route[idx + 1][0], idx)
        return route

    def _cut_dag_no_hmm(self, sentence):
        route = self._route(sentence)
        x = 0
        N = len(sentence)
        buf = ""
        while x < N:
            y = route[x][1] + 1
            l_word = sentence[x:y]
            if re_eng.match(l_word) and len(l_word) == 1:
                buf += l_word
                x = y
            else:
                if buf:
                    yield buf
                    buf = ""
                yield l_word
                x = y
        if buf:
            yield buf

    def _cut_dag(self, sentence):
        from jieba import finalseg  # the HMM's tables: only when asked for

        route = self._route(sentence)
        x = 0
        buf = ""
        N = len(sentence)
        while x < N:
            y = route[x][1] + 1
            l_word = sentence[x:y]
            if y - x == 1:
                buf += l_word
            else:
                if buf:
                    if len(buf) == 1:
                        yield buf
                        buf = ""
                    else:
                        if not self.FREQ.get(buf):
                            yield from finalseg.cut(buf)
                        else:
                            yield from buf
                        buf = ""
                yield l_word
            x = y
        if buf:
            if len(buf) == 1:
                yield buf
            elif not self.FREQ.get(buf):
                yield from finalseg.cut(buf)
            else:
                yield from buf

    def cut(self, sentence, cut_all=False, HMM=True, use_paddle=False):
        """jieba's cut: the words of sentence (precise mode)."""
        if cut_all or use_paddle:
            raise ValueError("the compact tokenizer offers jieba's precise and search modes")
        if isinstance(sentence, bytes):
            try:
                sentence = sentence.decode("utf-8")
            except UnicodeDecodeError:
                sentence = sentence.decode("gbk", "ignore")
        cut_block = self._cut_dag if HMM else self._cut_dag_no_hmm
        for blk in re_han_default.split(sentence):
            if not blk:
                continue
            if re_han_default.match(blk):
                yield from cut_block(blk)
            else:
                for x in re_skip_default.split(blk):
                    if re_skip_default.match(x):
                        yield x
                    else:
                        yield from x

    def cut_for_search(self, sentence, HMM=True):
        """jieba's cut_for_search: precise mode plus the dictionary's 2- and 3-grams of long
        words."""
        get = self.FREQ.get
        for w in self.cut(sentence, HMM=HMM):
            if len(w) > 2:
                for i in range(len(w) - 1):
                    gram2 = w[i:i + 2]
                    if get(gram2):
                        yield gram2
            if len(w) > 3:
                for i in range(len(w) - 2):
                    gram3 = w[i:i + 3]
                    if get(gram3):
                        yield gram3
            yield w

    def lcut(self, *args, **kwargs):
        """cut, as a list."""
        return list(self.cut(*args, **kwargs))

    def lcut_for_search(self, *args, **kwargs):
        """cut_for_search, as a list."""
        return list(self.cut_for_search(*args, **kwargs))

    def add_word(self, word, freq=None, tag=None):
        """jieba's add_word: freq defaults to what makes the word cut out whole."""
        if isinstance(word, bytes):
            word = word.decode("utf-8")
        freq = int(freq) if freq is not None else self.suggest_freq(word, False)
        self.FREQ[word] = freq
        self.total += freq
        if tag:
            self.user_word_tag_tab[word] = tag
        for ch in range(len(word)):
            wfrag = word[:ch + 1]
            if wfrag not in self.FREQ:
                self.FREQ[wfrag] = 0
        if freq == 0:
            from jieba import finalseg

            finalseg.add_force_split(word)

    def del_word(self, word):
        """jieba's del_word."""
        self.add_word(word, 0)

    def suggest_freq(self, segment, tune=False):
        """jieba's suggest_freq."""
        ftotal = float(self.total)
        freq = 1
        if isinstance(segment, str):
            word = segment
            for seg in self.cut(word, HMM=False):
                freq *= self.FREQ.get(seg, 1) / ftotal
            freq = max(int(freq * self.total) + 1, self.FREQ.get(word, 1))
        else:
            segment = tuple(segment)
            word = "".join(segment)
            for seg in segment:
                freq *= self.FREQ.get(seg, 1) / ftotal
            freq = min(int(freq * self.total), self.FREQ.get(word, 0))
        if tune:
            self.add_word(word, freq)
        return freq


_jieba_tables: list[_Table] = []


def tokenizer() -> Tokenizer:
    """A new tokenizer over jieba's dictionary (mapped once per process; words added to one
    tokenizer stay in it)."""
    with _lock:
        if not _jieba_tables:
            _jieba_tables.append(_Table(_built("jieba"), "words", numbers=True))
        return Tokenizer(WordFrequencies(_jieba_tables[0]))


# ---------------------------------------------------------------------------------------------
# pypinyin


class _Overlay:
    """A read-only mapped table seen as pypinyin's dict, with a small dict of entries added at
    run time in front of it (subclasses read the table: __contains__, __getitem__, keys)."""

    _missing: tuple[type[Exception], ...] = (KeyError,)

    def __init__(self, table: _Table) -> None:
        self._table = table
        self._trie = table.trie
        self.added: dict = {}

    def get(self, key, default=None):
        try:
            return self[key]
        except self._missing:
            return default

    def __setitem__(self, key, value) -> None:
        self.added[key] = value

    def update(self, entries) -> None:
        self.added.update(entries)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._trie) + len(self.added)

    def copy(self):
        return self


class _Phrases(_Overlay):
    """pypinyin's PHRASES_DICT: phrase → readings of each character ([["zhāo", "cháo"], …])."""

    def __init__(self, table: _Table) -> None:
        super().__init__(table)
        self.listing = False  # keys() lists the trie's phrases only once mmseg reads the trie

    def __contains__(self, phrase) -> bool:
        return phrase in self.added or phrase in self._trie

    def __getitem__(self, phrase: str) -> list[list[str]]:
        if phrase in self.added:
            return self.added[phrase]
        key_id = self._trie.get(phrase)
        if key_id is None:
            raise KeyError(phrase)
        return [part.split(",") for part in self._table.text(key_id).split(" ")]

    def keys(self):
        # pypinyin's mmseg trains its prefix set on every key at import; the set is replaced by
        # the trie (_Prefixes) right after, so the import lists none.
        return [*(self._trie.keys() if self.listing else ()), *self.added]


class _Prefixes(set):
    """mmseg's prefix set: the prefixes of the trie's phrases, plus those trained later."""

    def __init__(self, table: _Table) -> None:
        super().__init__()
        self._trie = table.trie

    def __contains__(self, key) -> bool:
        return key in self._trie or set.__contains__(self, key)


class _Chars(_Overlay):
    """pypinyin's PINYIN_DICT: code point → the character's readings ("zhōng,zhòng")."""

    _missing = (KeyError, TypeError)

    def __contains__(self, code) -> bool:
        return code in self.added or (isinstance(code, int) and 0 <= code < 0x110000
                                      and chr(code) in self._trie)

    def __getitem__(self, code: int) -> str:
        if code in self.added:
            return self.added[code]
        key_id = self._trie.get(chr(code)) if 0 <= code < 0x110000 else None
        if key_id is None:
            raise KeyError(code)
        return self._table.text(key_id)

    def keys(self):
        return [*map(ord, self._trie.iterkeys()), *self.added]


def pypinyin_module():
    """pypinyin, its dictionaries read from the mapped tables (when this process imports it
    first; one that imported pypinyin already keeps pypinyin's own dicts)."""
    with _lock:
        if "pypinyin" in sys.modules:
            return sys.modules["pypinyin"]
        import types

        prefix = _built("pinyin")
        phrases = _Phrases(_Table(prefix, "phrases"))
        chars = _Chars(_Table(prefix, "chars"))
        stubs = {
            "pypinyin.phrases_dict": ("phrases_dict", phrases),
            "pypinyin.pinyin_dict": ("pinyin_dict", chars),
        }
        for name, (attribute, value) in stubs.items():
            module = types.ModuleType(name, "pypinyin's dictionary, read from hplearn.chinese")
            setattr(module, attribute, value)
            sys.modules[name] = module
        try:
            import pypinyin
            from pypinyin.seg import mmseg
        except BaseException:
            for name in [*stubs, *(m for m in sys.modules if m.startswith("pypinyin."))]:
                sys.modules.pop(name, None)
            sys.modules.pop("pypinyin", None)
            raise
        for name in stubs:
            setattr(pypinyin, name.rpartition(".")[2], sys.modules[name])
        mmseg.p_set._set = _Prefixes(_Table(prefix, "prefixes"))
        phrases.listing = True
        return pypinyin


def lazy_pinyin(*args, **kwargs):
    """pypinyin.lazy_pinyin, over the mapped dictionaries."""
    return pypinyin_module().lazy_pinyin(*args, **kwargs)
