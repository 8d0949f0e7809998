"""Signs that a student is in danger: distress (self-harm, suicide) and safeguarding (bullying,
violence at home, abuse). Patterns over the normalised text, not just listed strings.

The labelled phrasings in tests/data/screening_signs.yaml are the yardstick: every change here is
measured with scripts/screening_figures.py (recall and false alarms, docs/benchmarks.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

from hplearn.screening.concepts import Hit, concept_hits, guarded, sentences
from hplearn.screening.model import model_sign
from hplearn.screening.text import PinyinView, normalise, pinyin

# Everyday phrases that contain an alarming character but mean nothing of the sort; they are
# cut out before matching (死记硬背 must not read as 想死, 各自杀了一只鸡 not as 自杀).
_BENIGN = re.compile(
    r"死记硬背|[笑难累烦热冷气饿困吓急忙痒疼丑美帅]死(?:了|我了|人了|啦)?|想死你们?|想死您|想死我了|[嗑磕]死我?了"
    r"|杀(?:菌|毒|虫|价|青|手锏|鸡儆猴)|[来各亲独擅暗私源]自|跳楼价|去死海|死海"
    r"|(?:电脑|系统|程序|软件|网站|网页|游戏|服务器|手机|app)(?:又|也|都)?崩溃了?"
    r"|打(?:我|给我)?(?:的)?(?:电话|手机)"
    r"|(?:zs|ss|zc)(?=[^a-z]{0,8}(?:政史|选科|缩写|组合|是什么意思|什么意思))"
)

_ACTOR = (r"(?:爸爸?|妈妈?|爸妈|父母|家长|家里人|继父|继母|后妈|后爸|哥哥?|姐姐?|叔叔|舅舅|姑姑|爷爷"
          r"|[二三四大小]?(?:叔|婶|舅|姑|姨)|爹|娘"
          r"|奶奶|他们|她们|他|她|同学们?|老师|男生|女生|高年级的?(?:同学|男生|女生)?|学长|学姐|有人|几个人|同桌)")
_HURT_ME = r"(?:打|揍|踢|扇|掐|抽|烫|欺负|霸凌|勒索|敲诈|孤立|排挤|威胁|骚扰|摸|虐待)(?:我|了我)(?!们)"
_BY = r"被(?:人|别人|全班|大家|班里的?人|" + _ACTOR[3:-1] + r")?"

DISTRESS_PATTERNS = tuple(re.compile(p) for p in (
    r"自(?:杀|尽|残|戕|缢)|自伤(?!自怜)",
    r"轻生|寻死|寻短见|割腕|跳楼|跳河|跳江|上吊|服毒|喝农药|烧炭|(?:吃|攒|买|吞|偷)[\u4e00-\u9fff]{0,4}安眠药",
    r"想(?:要)?(?:去)?死(?!你|您|他|她|它|角|机|板|党|守|磕)|去死|死了(?:算了|就好|就不用|就解脱|也没人|都没人)"
    r"|不如死|一死了之|一了百了|死掉算了|让我死|早点死",
    r"不想(?:再)?活|活不下去|不要再活|(?:不|没)(?:想|要)(?:再)?活着|活够了"
    r"|活着(?:真|好|太|都|也|还|实在|根本|真的)?(?:没|没有)(?:有)?(?:意思|意义|劲|盼头)"
    r"|我活着(?:还)?有(?:什么|啥)(?:意思|意义|用)|活着(?:好|太|真|真的)累|活在这个世界上(?:没|有什么)"
    r"|活着[\u4e00-\u9fff]{0,3}意思都没有|活着(?:就)?是(?:个)?多余|(?:希望|宁愿|要是)(?:自己|我)(?:没|没有|从来没)(?:被)?出生"
    r"|不该(?:被)?生(?:下来|出来)",
    r"(?:撑|熬|扛)不(?:住|下去)了|(?:撑|熬)不下去",
    r"结束(?:掉)?(?:自己的?|我的)?生命|了结自己|了断自己|自我了断|离开这个世界|从这个世界(?:上)?消失"
    r"|不想(?:再)?存在|永远(?:睡下去|醒不过来)|不想(?:再)?醒(?:过)?来|(?:好|真|很)?想消失(?!一个|一天|几天|一会|一下|一周|一段|[0-9一二两三四五六七八九十几]+(?:分钟|秒|天|小时))"
    r"|从[\u4e00-\u9fff]{0,4}(?:楼|楼顶|天台|窗户|桥)上?跳下去",
    r"伤害自己|弄伤自己|(?:割|划)(?:伤|破)?(?:了)?自己|用刀(?:片)?(?:割|划)(?:手|自己|胳膊)"
    r"|(?:割|划)(?:破|伤)?(?:了)?(?:自己的?)?(?:手腕|手臂|胳膊)",
    # Not living until a date, choosing not to live, wanting to try what death feels like.
    r"我(?:可能|应该|估计|觉得我?|怕是|大概|也|就|都|反正)?(?:活|撑|熬)不(?:到|过)(?:下周|下个?月|下学期|期末|明年"
    r"|这个?(?:周末|冬天|夏天|学期|月)|寒假|暑假|那(?:时候|天)|明天)|我[\u4e00-\u9fff]{0,2}快(?:要)?不在了"
    r"|(?:选择|决定)(?:不活|不再活|去死|死亡|离开这个世界|结束生命|结束自己)",
    # Slang for dying said in earnest: 想原地嘎了，这次不是开玩笑.
    r"(?:想|要)(?:直接|原地)?(?:嘎|噶|去世|升天)(?:了|掉)?[\u4e00-\u9fff]{0,8}(?:不是|没有?在?)(?:在)?(?:开玩笑|说笑|闹着玩)"
    r"|(?:想|要)(?:直接|原地)?(?:嘎|噶|去世|升天)[\u4e00-\u9fff]{0,6}(?:认真的|说真的|是真的)",
    # Pinyin initials and half pinyin (自s, 想zs, zisa): the pinyin view only reads whole syllables.
    r"自(?:s|sa|c)(?![a-z])|(?:想|要|去|打算|准备|怎么|如何)(?:去)?(?:zs|zisa|zc|ss)(?![a-z])"
    r"|(?<![a-z])zs(?![a-z])[\u4e00-\u9fff]{0,3}(?:感觉|会疼|会痛|疼不疼|痛不痛|方法|办法|最快)",
    r"(?:好|很|太|真|非常|特别|彻底|感到|觉得|真的)绝望|我是(?:个)?(?:多余的|累赘)"
    r"|(?:没人|没有人|没有一个人)(?:在乎|关心|爱|需要|喜欢)我|所有人都(?:讨厌|不要)我|抑郁|崩溃了",
    r"suicide|killmyself|wanttodie|endmylife|endit(?:all)?|selfharm",
))
SAFEGUARDING_PATTERNS = tuple(re.compile(p) for p in (
    _BY + r"(?:欺负|霸凌|打|揍|踢|殴打|勒索|敲诈|孤立|排挤|虐待|猥亵|性侵|侵犯|骚扰|关起来|烫)"
    r"(?!败|扰|断|开|动|湿|印|折|卡|破|乱|包|通|进|捞|磨|造|响|中|算|针|听|翻|量|结|理|扫|字|击|倒|分"
    r"|勾|叉|码|气|补|游戏|球|错|上|满|成|发|工|篮|雷|光)"
    r"(?!了(?:一个|个|一)?(?:高分|低分|分|叉|勾|钩|对勾|星|折|码|×|√|x|措手不及))",
    _ACTOR + r"[\u4e00-\u9fff]{0,12}?" + _HURT_ME,
    r"(?:天天|总是|经常|老是|老|总)[\u4e00-\u9fff]{0,4}(?:推|打|踢|揍|掐|扇)我(?!们)",
    r"打(?:妈妈|我妈|爸爸|我爸)(?:和|跟)我|(?:爸爸|我爸|继父|后爸)[\u4e00-\u9fff]{0,6}打(?:妈妈|我妈)",
    r"不(?:给|让)我(?:吃(?:早|午|晚)?饭|饭吃|吃东西|吃的)|说我不配吃|被[\u4e00-\u9fff]{0,5}堵在[\u4e00-\u9fff]{0,4}(?:打|揍|踢|欺负|要钱)",
    r"家暴|家庭暴力|校园暴力|霸凌|虐待|性侵|猥亵|强奸|体罚|保护费",
    r"不敢回家|不敢(?:去|上)学|不敢去学校|把我关(?:起来|在)|被关(?:起来|在)",
    r"(?:身上|浑身|腿上|胳膊上|背上|脸上)(?:都是|全是|是|有好多|好多|被打得)?(?:伤|淤青|青一块紫一块)",
    r"抢(?:走)?(?:了)?我的?(?:钱|零花钱|饭卡|东西|书包|手机)|(?:找|向|跟|逼)我要钱",
    r"(?:叫|让|逼)我(?:脱|下跪|跪下)|(?:摸|碰)我(?:的)?(?:身体|隐私|下面|胸|屁股)",
    # Sexual abuse said without the words: 进浴室看我洗澡, 碰我不该碰的地方, 让我…把衣服脱了.
    r"(?:看|偷看|盯着)我(?:洗澡|换衣服)|我(?:洗澡|换衣服)的时候[\u4e00-\u9fff]{0,6}(?:进来|推门|偷看|看我)"
    r"|(?:碰|摸)(?:了)?我[\u4e00-\u9fff]{0,2}不(?:该|应该|能)(?:碰|摸)的地方"
    r"|(?:让|叫|要|逼)我[\u4e00-\u9fff]{0,10}把(?:衣服|裤子|上衣|内衣)(?:脱|撩)",
    # Grooming with a threat, strangers following, being insulted and thrown out.
    r"不(?:发|给|拍)(?:照片|视频)[\u4e00-\u9fff]{0,3}就(?:把|要|发|告诉|曝光)"
    r"|跟了我(?:好几|几|两|三|四|五|一|一整)(?:天|周|个星期|个月)",
    r"赔钱货|讨债鬼|(?:让|叫|要|逼)我滚出|滚出(?:这个|我的|我们)?家",
    r"bully|bullied",
))
# Read over the whole text, across sentences: 人死了以后还会难受吗？我想试试.
ACROSS_PATTERNS = {"distress": tuple(re.compile(p) for p in (
    r"(?:死|自杀|不活|窒息|溺水)[\u4e00-\u9fff]{0,14}(?:感觉|难受|疼|痛|难过|怎么样|什么样)[\u4e00-\u9fff]{0,4}"
    r"我(?:想|要)(?:去)?(?:试试|试一下|试一试|体验)",
)), "safeguarding": ()}
# Phrases students type in pinyin to get past filters (我想zisha); matched only where the
# student typed Latin letters, never for characters that merely sound alike (紫砂).
_DISTRESS_PINYIN = ("自杀", "自残", "不想活", "活不下去", "我想死", "想去死", "跳楼", "割腕", "轻生", "想zs")
_SAFEGUARDING_PINYIN = ("家暴", "被欺负", "霸凌", "被打了", "我爸打我", "我妈打我", "欺负我", "打我")


# The listed patterns name the danger outright; only stories and school topics explain them away.
_DIRECT_GUARDS = {"distress": ("story", "game", "topic", "bio", "rescue"),
                  "safeguarding": ("story", "topic", "play", "care", "study", "drama")}


_LATIN = re.compile("[a-z]")


def _flat(text: str) -> str:
    return _BENIGN.sub("", normalise(text))


@lru_cache(maxsize=256)
def _concept_hits(text: str) -> tuple[Hit, ...]:
    return tuple(concept_hits(text))


def _signs(text: str, lane: str, patterns, pinyin_phrases, words, model: bool) -> list[str]:
    found: dict[str, None] = {}
    # Sentence by sentence, so that a story or a school topic (屈原投江, 预防校园霸凌的演讲稿) is
    # read apart from what the writer says of themself.
    for sentence in sentences(text):
        sentence = _BENIGN.sub("", sentence)
        for pattern in patterns:
            for match in pattern.finditer(sentence):
                if not guarded(sentence, match, _DIRECT_GUARDS[lane], lane):
                    found[match.group(0)] = None
    flat = _flat(text)
    for pattern in ACROSS_PATTERNS[lane]:
        found.update(dict.fromkeys(match.group(0) for match in pattern.finditer(flat)
                                   if not guarded(flat, match, _DIRECT_GUARDS[lane], lane)))
    # The patterns read characters; these phrases (and the listed words) are also read in pinyin,
    # which only matters when the student typed Latin letters (the pinyin view is the slow part).
    view = PinyinView(flat) if _LATIN.search(flat) else None
    if view:
        found.update(dict.fromkeys(p for p in pinyin_phrases if view.typed(pinyin(p))))
    for word in words:
        target = normalise(word)
        if target and (target in flat or (view and view.typed(pinyin(target)))):
            found[word] = None
    # A concept hit that only repeats a listed pattern's words adds nothing.
    shown = tuple(found)
    found.update(dict.fromkeys(hit.sign() for hit in _concept_hits(text or "") if hit.lane == lane
                               and not any(sign in hit.excerpt or hit.excerpt in sign for sign in shown)))
    # The trained model reads what no rule foresaw; it speaks only when the rules are silent.
    if model and not found:
        found.update(dict.fromkeys(filter(None, [model_sign(text or "", lane)])))
    return list(found)


def distress_signs(text: str, words: tuple[str, ...] = (), *, model: bool = True) -> list[str]:
    """What in text signals distress or self-harm (patterns, listed words, the trained model unless
    model is false); empty if none."""
    return _signs(text, "distress", DISTRESS_PATTERNS, _DISTRESS_PINYIN, words, model)


def safeguarding_signs(text: str, words: tuple[str, ...] = (), *, model: bool = True) -> list[str]:
    """What in text signals bullying, violence at home or abuse (as distress_signs); empty if none."""
    return _signs(text, "safeguarding", SAFEGUARDING_PATTERNS, _SAFEGUARDING_PINYIN, words, model)
