"""A small trained classifier per lane (distress, safeguarding) that reads phrasings the
hand-written rules never foresaw: logistic regression over the character 1–3-grams of the text's
sentences (normalised, everyday hyperbole such as 累死了 cut out; see concepts.sentences) and the
concepts met in each sentence, alone and in pairs. signs.py asks it only when the rules are silent.

The weights live in model.json beside this file, written by scripts/train_screening.py from the
labelled sets in tests/data/ (threshold chosen by cross-validation, docs/benchmarks.md). Inference
is pure and deterministic: features are summed in sorted order.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hplearn.screening.concepts import GUARDS, C, sentences

MODEL_FILE = Path(__file__).with_name("model.json")
MAX_N = 3
# What the model suspects, as shown to a counsellor.
LANE_LABELS = {"distress": "疑似轻生或自伤念头", "safeguarding": "疑似欺凌、家暴或侵害"}
# The concepts' names as shown to a counsellor (the contexts of the guards are never shown: they
# only lower a score).
CONCEPT_LABELS = {
    "self": "自我", "intent": "意图", "time": "时间", "agent": "他人", "hurt": "伤害动作", "high": "高处",
    "pills": "药物", "much": "大量", "body": "身体部位", "blade": "利器", "secret": "要求保密",
    "money": "钱财", "death": "死亡", "leave": "离开", "pain": "痛苦", "farewell": "告别",
    "giveaway": "送走东西", "means": "手段", "afterlife": "逝者/来世", "fear": "害怕", "home": "家",
    "question": "提问", "future": "以后/永远", "negated": "否定", "trial": "想试试", "earnest": "不是玩笑",
    "insult": "辱骂/赶走", "hunger": "不给饭吃", "intimate": "隐私/身体", "threat": "要挟", "follow": "跟踪",
    "deadline": "撑不到", "pinyin": "拼音缩写",
}
# Concepts too plain to explain anything alone (they are shown in pairs: 自我+告别).
_PLAIN = {"self", "intent", "negated", "question", "home", "future", "time", "agent"}
# Everyday words with an alarming character, cut out before reading (as signs.py does for rules).
_EVERYDAY = re.compile(r"死记硬背|死海|跳楼价|跳楼机|死神来了|死亡谷|杀(?:菌|毒|虫|价|青|手锏)"
                       r"|打(?:动|败|湿|断|扰|开)")
# Letters and digits are read as one placeholder a run in the n-grams, so that markup or an English
# text pasted in cannot pile up n-grams; a short run of letters is also read as a word of its own and
# as its pinyin initials (zisha, zs -> zs; wo ba da wo -> wbdw), the way students abbreviate.
_LATIN = re.compile(r"[a-z]+")
_SYLLABLE = re.compile(r"(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?([aeiouv]+(?:ng|n|r)?)")
_LATIN_WORDS = re.compile(r"[a-z]+(?:[a-z ]*[a-z])?")
_DIGITS = re.compile(r"[0-9]+")


# Concepts the model also reads (besides n-grams), alone and in pairs within one sentence, so that
# it generalises beyond the words it saw: the lexicons of concepts.py, the contexts of its guards
# and a few more.
_CONCEPTS = {name: re.compile(pattern) for name, pattern in {
    **C, **{f"guard_{name}": pattern for name, pattern in GUARDS.items()},
    "death": r"死(?!机|党|角|板|记|磕|胡同|循环|定|对头|心)|自杀|生命|活着|活下去|活不|活在|不在了|天堂"
             r"|另一个世界|遗书|遗言|这条命|世上|出生|生下",
    "leave": r"离开|消失|结束|解脱|永远|醒来|醒不|不醒|一走了之|不回来|不会回去|走了|先走|去了",
    "pain": r"痛苦|绝望|难受|崩溃|受不了|撑不|熬不|累|煎熬|折磨|没意思|没意义|没用|多余|废物|失败|讨厌自己"
            r"|恨自己|孤独|没人|不配|拖累|负担|地狱|黑暗|对不起|抛弃|不需要我",
    "farewell": r"再见|告别|永别|道别|最后一|不会再|以后不能|不能再|谢谢|对不起|替我|帮我跟"
                r"|不用担心我|别担心我|保重|不打扰|照顾好|帮我(?:养|照顾|找个)",
    "giveaway": r"送给|给了|留给|托付|用不到|用不上|用不着|不需要了|随便处理|都删|撕了|烧了|分给|送人|注销",
    "means": r"绳子|刀|药|煤气|农药|消毒液|洗衣液|铁轨|铁路|车祸|桥|楼顶|天台|窗台|五楼|十楼|血|割|划|烫|吞"
             r"|河边|江边|栏杆|边上|往下看|攒|囤|藏",
    "trial": r"试试|试一下|试一试|体验|验证|尝试",
    "earnest": r"不是(?:在)?开玩笑|没(?:有)?(?:在)?开玩笑|认真的|说真的|是真的|不是说笑",
    "insult": r"赔钱货|讨债鬼|拖油瓶|废物|垃圾|滚|赶出|不配|白眼狼|野种|没用的东西|不该生",
    "hunger": r"不给我?(?:吃|饭|东西)|没(?:有)?饭吃|饿着|饿了(?:一|两|几|好几)|不配吃|剩饭|锁起来",
    "intimate": r"洗澡|换衣服|脱|裸|不该碰|不该摸|隐私|被窝|腿上|胸|屁股|下面|内衣|身体|床上|房间",
    "threat": r"不然|否则|不发|不听话|就把|曝光|发给|发到|告诉我(?:爸|妈|班主任|老师|同学)"
              r"|知道我(?:住|的名字|名字|家)",
    "follow": r"跟着我|跟了我|跟在我|跟踪|等我|蹲我|校门口|路口|放学路上|陌生",
    "deadline": r"(?:活|撑|熬|等)不(?:到|过)|快不在|不会在了|看不到成绩|参加不了",
    "pinyin": r"自[a-z]|(?<![a-z])(?:zs|zisa|zc|ss|tl|gs|hs)(?![a-z])",
    "afterlife": r"天上|天堂|下辈子|来世|另一个世界|去世|陪他|陪她|跟它|跟他|跟她",
    "fear": r"害怕|发抖|不敢|好怕|很怕|躲|可怕|报警|逃走|离家出走",
    "home": r"家|爸|妈",
    "question": r"怎么|什么|为什么|吗|如何|哪|多少|几",
    "future": r"明天|以后|永远|再也|今晚|最后",
    "negated": r"不想|不要|不用|不会|别",
}.items()}


def _concepts(sentence: str) -> list[str]:
    names = sorted(name for name, pattern in _CONCEPTS.items() if pattern.search(sentence))
    pairs = [f"c:{a}+{b}" for i, a in enumerate(names) for b in names[i + 1:]]
    return [f"c:{name}" for name in names] + pairs


def _initials(run: str) -> str:
    """The pinyin initials of a run of letters (zisha -> zs; zs stays zs); empty if it is not pinyin."""
    words = run.split()
    if len(words) == 1 and len(run) <= 4 and not re.search("[aeiouv]", run):
        return run
    out = []
    for word in words:
        position = 0
        while position < len(word):
            match = _SYLLABLE.match(word, position)
            if not match or not match.group(0):
                return ""
            out.append((match.group(1) or match.group(2))[0])
            position = match.end()
    return "".join(out) if 1 < len(out) <= 12 else ""


def _latin_words(text: str) -> set[str]:
    """Features of the runs of letters in text: l:run for a short word and li: its pinyin initials."""
    found = set()
    for run in _LATIN_WORDS.findall(text.lower()):
        if len(run) <= 8 and " " not in run:
            found.add(f"l:{run}")
        if initials := _initials(run):
            found.add(f"li:{initials}")
    return found


@lru_cache(maxsize=256)
def features(text: str) -> tuple[str, ...]:
    """The character 1–3-grams of text's sentences (each framed by ^ and $), the concepts met in
    each sentence, alone and in pairs, and the runs of letters (see _latin_words); sorted, once each."""
    grams: set[str] = _latin_words(text or "")
    for sentence in sentences(text or ""):
        sentence = _EVERYDAY.sub("", sentence)
        grams.update(_concepts(sentence))
        framed = f"^{_DIGITS.sub('0', _LATIN.sub('a', sentence))}$"
        for n in range(1, MAX_N + 1):
            grams.update(framed[i:i + n] for i in range(len(framed) - n + 1))
    grams.discard("^")
    grams.discard("$")
    return tuple(sorted(grams))


def scale(grams: tuple[str, ...]) -> float:
    """The value of each of a text's n-grams: 1/√n (its vector has length 1)."""
    return 1 / math.sqrt(len(grams)) if grams else 0.0


@dataclass(frozen=True)
class Lane:
    """One lane's weights: bias, threshold on the probability, weight per n-gram."""

    bias: float
    threshold: float
    weights: dict[str, float]

    def score(self, grams: tuple[str, ...]) -> float:
        """The probability that a text with these n-grams belongs to the lane (each n-gram counts
        1/√n for n n-grams, so that a long text does not pile up small weights)."""
        z = self.bias + sum(self.weights.get(gram, 0.0) for gram in grams) * scale(grams)
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    def reasons(self, grams: tuple[str, ...], count: int = 3) -> list[str]:
        """What pushed the score up most, as a counsellor reads it: words of two characters or
        more (the longest where one contains another) and concepts (自我+意图)."""
        ranked = sorted((g for g in grams if self.weights.get(g, 0.0) > 0 and _shown(g)),
                        key=lambda g: (-self.weights[g], g))
        if not ranked:
            return []
        shown: list[str] = []
        for gram in ranked:
            word = _shown(gram)
            if not any(word in other for other in shown):
                shown = [other for other in shown if other not in word] + [word]
            if len(shown) == count:
                break
        return shown


def _shown(gram: str) -> str:
    """An n-gram or concept as shown to staff; empty for those not worth showing."""
    if gram.startswith("c:"):
        names = gram[2:].split("+")
        if not all(name in CONCEPT_LABELS for name in names) or (len(names) == 1 and names[0] in _PLAIN):
            return ""
        return "+".join(CONCEPT_LABELS[name] for name in names)
    word = gram.strip("^$")
    return word if len(word) > 1 else ""


@lru_cache(maxsize=1)
def lanes() -> dict[str, Lane]:
    """The trained lanes, loaded once from model.json."""
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return {name: Lane(lane["bias"], lane["threshold"], lane["weights"])
            for name, lane in data["lanes"].items()}


def probability(text: str, lane: str) -> float:
    """The model's probability that text belongs to lane."""
    return lanes()[lane].score(features(text))


# Contexts where a model hit is vetoed unless the writer speaks of themself in that sentence:
# books and history, games, biology, physics problems, school topics, play-acting.
_VETO = re.compile("|".join(f"(?:{GUARDS[name]})"
                            for name in ("story", "game", "bio", "problem", "topic", "drama")))
# The writer speaks of themself: 我 but not as the reader or writer of a school task (我读到那段, 我写的)
# nor as the owner of someone else (我弟问怪兽有没有妈妈).
_FIRST_PERSON = re.compile(r"我(?!们|读|看了这|写的|负责|弟|妹|哥|姐)|自己|俺")


_HAN = re.compile(r"[\u4e00-\u9fff]")
# Fewer Chinese characters than this is too little for the model to judge (没有。, 我的投稿).
MIN_CHARACTERS = 5


def vetoed(text: str) -> bool:
    """Whether text is too short for the model, or a sentence of it is about a story, game,
    biology, a problem or a school topic without the writer speaking of themself in it."""
    parts = sentences(text or "")
    if sum(len(_HAN.findall(sentence)) for sentence in parts) < MIN_CHARACTERS:
        return True
    return any(_VETO.search(sentence) and not _FIRST_PERSON.search(sentence) for sentence in parts)


def model_sign(text: str, lane: str) -> str | None:
    """The sign a confident model hit shows staff (模型判断（…，87 %：不想活、消失）), else None."""
    model = lanes()[lane]
    grams = features(text)
    p = model.score(grams)
    if p < model.threshold or vetoed(text):
        return None
    reasons = "、".join(model.reasons(grams)) or "整体措辞"
    return f"模型判断（{LANE_LABELS[lane]}，{p:.0%}：{reasons}）"
