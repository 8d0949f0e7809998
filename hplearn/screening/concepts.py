"""Signs of danger read as concepts, not listed phrases: who (我, 爸爸, 他们, 网友), what
(结束这一切, 遗书, 一整瓶药, 砸我, 拦住我要钱, 按进水里), where and when (楼顶, 今晚), combined within
one sentence; with guards for the contexts that only look alarming (games and sports, history and
fiction, idioms, first aid, farewells before a move).

Each hit names the concepts that fired (“自我 + 伤害自己”), so a counsellor sees why a question was
flagged. The labelled sets in tests/data/ measure it (scripts/screening_figures.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hplearn.screening.text import normalise, simplify


@dataclass(frozen=True)
class Hit:
    """One sign: its lane, the concepts that fired (in Chinese) and the words that showed it."""

    lane: str
    concepts: str
    excerpt: str

    def sign(self) -> str:
        """As shown to staff: 写好遗书（遗书/告别）."""
        return f"{self.excerpt}（{self.concepts}）"


# The lexicons: each a regular-expression alternation over normalised text (no punctuation).
C = {
    "self": r"(?:我|自己|人家|本人|俺|咱)",
    "intent": r"(?:想|要|好想|真想|只想|很想|准备|打算|决定|计划|宁愿|恨不得|干脆|不如|该)",
    "time": r"(?:今晚|今天晚上|今天|明天|明晚|马上|等会|待会|这周|周末|很快|过几天)",
    # People who can hurt a child; 他/她/有人 are in: most reports do not name anyone.
    "agent": r"(?:爸爸?|妈妈?|我爸|我妈|爸妈|父母|家长|家里人|家人|继父|继母|后妈|后爸|养父|养母"
             r"|哥哥?|姐姐?|表哥|表姐|堂哥|叔叔|伯伯|大伯|阿姨|舅舅|舅妈|姑姑|姑父|姨父|爷爷|奶奶"
             r"|[二三四大小](?:叔|婶|舅|姑|姨)|爹|妈妈?的(?:男朋友|男友|新男友)"
             r"|外公|外婆|姥姥|姥爷|老师|班主任|教练|校长|同学们?|同桌|室友|舍友|班长|班干部|组长|队长|高年级的?(?:男生|女生|同学)?"
             r"|初[一二三]的?|学长|学姐|他们|她们|他|她|有人|几个人|几个(?:同学|男生|女生)|一些人|一群人|一帮人|好几个人|那些人|混混"
             r"|男生|女生|大人|网友|陌生人|邻居|班里的?人|全班|大家|别人)",
    "hurt": r"(?:打|揍|踢|踹|扇|掐|抽|烫|砸|推(?!荐|广)|拽|撞|勒|绑|咬|扎|戳|拧|揪|扯|烧|泼|吐口水"
            r"|殴打|虐待)",
    "high": r"(?:楼顶|楼上|天台|顶楼|屋顶|阳台|窗户|窗台|窗边|窗口|桥上|大桥|高楼|大楼|悬崖|高处|楼)",
    "pills": r"(?:安眠药|药片|药丸|止痛药|感冒药|退烧药|镇静药|抗抑郁药|药)",
    "much": r"(?:一整瓶|一瓶|整瓶|半瓶|一整盒|一盒|整盒|一大把|一把|几十片|好几十片|全部|所有)",
    "body": r"(?:手腕|腕|手臂|胳膊|大腿|腿|手|身上|动脉|血管)",
    "blade": r"(?:刀|刀片|小刀|美工刀|圆规|玻璃|剪刀|烟头|针)",
    "secret": r"(?:不要|别|不许|不准|不能|不可以)(?:告诉|说给|跟|和)(?:别人|任何人|爸妈|爸爸|妈妈|家里"
              r"|家人|老师|家长|大人)",
    "money": r"(?:钱|零花钱|保护费|块钱|元|块)",
}

# Contexts that make a hit not a sign. Applied per sentence.
GUARDS = {
    # Games, sports and play: 被打得很惨 about a match, 被球砸到, 打雪仗.
    "play": r"比赛|球赛|篮球|足球|排球|乒乓|羽毛球|网球|棒球|拔河|对手|对面|对方|游戏|王者|荣耀|吃鸡"
            r"|和平精英|我的世界|boss|副本|关卡|角色|僵尸|比分|决赛|联赛|电竞|打野|队友|雪仗|水枪"
            r"|球砸|被球|跆拳道|拳击|击剑|摔跤|散打"
            r"|打闹|闹着玩|开玩笑|玩耍|嬉戏|枕头大战",
    # Drama and play-acting: escape rooms, sketches, haunted houses (被关在小黑屋, 演人质).
    "drama": r"密室|小品|话剧|舞台剧|情景剧|剧情|台词|剧本杀|鬼屋|扮演|排练|微电影|狼人杀|捉迷藏|演一个|我演"
             r"|角色扮演|cosplay",
    # Embarrassment said as vanishing: 社死, 想找个地缝钻进去.
    "embarrass": r"社死|尴尬|丢脸|丢人|地缝|放了个屁|出糗|出丑",
    # A character in a game, not the player: 我的角色在游戏里自杀了.
    "game": r"角色|人物|英雄|复活|血量|boss|关卡|副本|npc|僵尸|怪物|存档",
    # A physics or maths problem: 从楼顶落下, 求速度.
    "problem": r"物理题|这道题|题目|求[\u4e00-\u9fff]{0,4}(?:速度|时间|高度|位移|冲量|距离)|冲量|加速度"
               r"|自由落体|落地|气垫|第[一二三四五六七八九十\d]+秒",
    # Biology: cells and bacteria die and even 自杀 (凋亡).
    "bio": r"细胞|凋亡|基因|蛋白|细菌|病毒|生物课|植物|动物|蚂蚁|昆虫|鲸|旅鼠|鱼(?:为什么|离开水)",
    # Kept in to do homework, not locked up: 把我关在房间里写作业.
    "study": r"写作业|做作业|学习|复习|练琴|背书|背单词",
    # History, literature, film and language work about other people.
    "story": r"武松|鲁智深|周瑜|黄盖|白骨精|孙悟空|课文|小说|故事|电影|电视剧|动画|历史|古代|诗人|作者"
             r"|主人公|主角|人物|屈原|项羽|荆轲|司马迁|岳飞|曹操|林黛玉|祥林嫂|罗密欧|朱丽叶|西游记"
             r"|红楼梦|水浒|三国|成语|造句|是什么意思|出自|歌词|这首歌|寓言|神话|秦始皇|战争|英雄|烈士"
             r"|皇帝|国王|王后|朝代|王朝|[明清宋唐汉元]朝|哪一年|哪年|史铁生|王国维|海明威|哈姆雷特"
             r"|这本书|书里|读后感|名著|原著|情节|奥特曼|动画片",
    # A farewell before a move, a trip or the end of a school year.
    "move": r"转学|转校|毕业|搬家|搬到|搬去|要搬|出国|旅游|放假|下学期|回老家|夏令营|出差|留学|旅行|度假",
    # The end of a test or term, not of a life.
    "relief": r"考完|考试|放假|作业|写完|下课|期末|期中|学期|假期|终于|比赛",
    # Care, first aid and accidents.
    "care": r"护士|医生|打针|抽血|疫苗|不小心|不注意|包扎|急救|做饭|切菜|意外|起水泡|涂什么药",
    # Jumping to save someone or as a sport or a drill: 有人跳河救人, 从十米台跳下去.
    "rescue": r"救人|救起|救落水|落水儿童|消防|训练|演习|跳水|跳台|蹦极|蜘蛛侠|超人",
    # Surprises and harmless secrets.
    "surprise": r"惊喜|生日|礼物|成绩|考试|考题|题目|作业|谜底|结局|剧透|分数|答案|喜欢|暗恋|毕业典礼"
                r"|聚会|派对|秘密基地",
    # School topics about violence: a poster, a speech, a law lesson.
    "topic": r"手抄报|班会|黑板报|演讲稿|征文|宣传|海报|的定义|法律|法治|危害|预防|讲座|主题"
             r"|防性侵|防拐|防溺水|防范|防[\u4e00-\u9fff]{1,4}教育|心理课|讨论题|作文|写一篇关于|症状|有什么区别|的区别|怎么读|英语怎么说|词性|单词|新闻|报道|案件|律师"
             r"|课作业|调查报告|研究报告|警惕|安全教育|安全知识|注意安全|一定(?:要)?告诉|要告诉(?:家长|老师|爸妈)|怎么办才安全",
}

# (lane, concepts shown to staff, alternatives, guards). {name} in an alternative is a lexicon above.
RULES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # -- distress: farewell, notes, plans ---------------------------------------------------
    ("distress", "遗书/告别", (
        r"遗书",
        r"遗言",
        r"(?:写|立)(?:了|好)?遗嘱",
        r"绝笔",
        r"(?:写好|写了|留了|留下)[\u4e00-\u9fff]{0,8}信[\u4e00-\u9fff]{0,4}(?:留给|给)(?:爸妈|爸爸|妈妈|你们|家人|大家)",
        r"(?:写|留)在信里",
        r"(?:给|留给)(?:家人|家里人|爸妈|妈妈|爸爸|你们|大家)的(?:话|信)[\u4e00-\u9fff]{0,4}(?:写好|写完|留)",
        r"(?:想说的|要说的|最后的)话(?:都)?(?:写好|写在|写下|留)",
    ), ("story", "game")),
    # A farewell letter is also what a class writes when a teacher or a friend leaves (毕业, 转学).
    ("distress", "告别信", (
        r"告别信",
        r"最后一封信",
    ), ("move", "story", "game")),
    ("distress", "结束生命", (
        r"结束(?:掉)?(?:这一切|一切|所有的?一切|这条命|生命|我的生命|自己的?生命|自己)",
        r"把这一切(?:都)?结束",
        r"了结(?:这条命|自己|生命|一切)",
        r"了断",
        r"自我了结",
        r"这条命不要了",
        r"不想要这条命",
        r"放弃(?:自己的?)?生命",
        r"结束(?:这种|这样的?)(?:日子|生活|人生)",
        r"(?:把|让)自己[\u4e00-\u9fff]{0,8}(?:抹掉|消失|不存在)",
        r"安静地离开",
        r"让人[\u4e00-\u9fff]{0,4}(?:离开|死|消失)的办法",
        r"(?:办法|方法)[\u4e00-\u9fff]{0,6}(?:安静|无痛|不痛)地?(?:离开|死|走)",
        r"(?:把|让)[\u4e00-\u9fff]{0,4}(?:痛|痛苦)[\u4e00-\u9fff]{0,2}(?:都)?结束",
        r"心已经死了[\u4e00-\u9fff]{0,6}(?:跟着|也想)",
    ), ("story", "game")),
    ("distress", "离开世界", (
        r"离开(?:这个|这|整个)?(?:世界|人世|人间)",
        r"和(?:这个)?世界(?:说)?再见",
        r"从(?:这个)?世界上?离开",
        r"(?:和|跟|向)(?:这个)?世界(?:说)?(?:再见|告别|道别)",
        r"(?:没有|没)(?:来过|来到)(?:这个)?世界",
        r"告别(?:这个世界|人世)",
        r"永别",
        r"下辈子(?:再)?(?:见|做|当|报答)",
        r"来世再见",
        r"去(?:另一个|另外一个)世界",
        r"去天堂(?:找|见|陪)",
        r"想跟着(?:他|她|奶奶|爷爷|外婆|外公|姥姥|姥爷|妈妈|爸爸)(?:一起)?走",
        r"去(?:一个)?没有(?:痛苦|烦恼)的地方",
        r"(?:想|要)(?:去)?(?:见|找|陪)(?:去世|死去|走了)的",
    ), ("story", "game")),
    ("distress", "告别", (
        r"(?:跟|和|向)(?:大家|你们|所有人)(?:告别|说再见|道别)",
        r"最后一次[\u4e00-\u9fff]{0,6}(?:以后|再也)(?:不会|不)(?:再)?(?:来|上来|见|打扰)",
        r"(?:以后|再也)不能(?:再)?(?:孝顺|陪|照顾|见)",
        r"(?:所有|我的|自己的|心爱的|喜欢的)?东西(?:全|都)(?:分给|送给|送人|留给)",
        r"先走一步",
        r"永远(?:地)?(?:离开|不回来|不会回来)",
        r"不要救我",
        r"让我走吧?$",
        r"(?:请|你们)?(?:不要|别)(?:为我)?难过",
        r"(?:不会再|再也不会)(?:上线|出现|来上学|回来)",
        r"谢谢(?:您|你们)一直(?:以来)?的(?:照顾|关心)",
        r"最后一次(?:提问|问问题|来问|发问题|麻烦(?:您|你们|老师|大家)?)了",
        r"(?:要是|如果|假如|万一)我(?:走了|不在了|离开了|没了)[\u4e00-\u9fff]{0,6}(?:麻烦|拜托|请|帮我|替我|照顾|养)",
        r"最后一次给(?:你们|大家|爸妈|妈妈|爸爸|老师)写",
        r"一走了之",
    ), ("move", "story")),
    ("distress", "送走心爱之物", (
        r"(?:送|留|烧|扔|删)(?:给|了|掉)?[\u4e00-\u9fff]{0,10}(?:以后|再也|反正)(?:也)?(?:用不(?:上|着)|没人(?:看|要|用)|不需要)",
    ), ("move",)),
    ("distress", "时间+离开", (
        r"{time}(?:我)?(?:就)?(?:要)?走了[\u4e00-\u9fff]{0,6}(?:再见|永别|别找我|对不起|谢谢)",
        r"最后一(?:天|晚|次)[\u4e00-\u9fff]{0,6}(?:已经)?准备好了",
    ), ("move", "relief")),
    ("distress", "自我+不在了", (
        r"(?:我|等我)(?:明天|今晚|很快|马上|以后|要是|如果)?(?:就)?(?:不在了|走了以后|走了之后|走了[\u4e00-\u9fff]{0,4}(?:你们|大家|他们|爸妈)|走后)",
        r"见不到我了",
        r"不会再(?:烦|打扰|麻烦)(?:你们|大家|任何人)",
        r"我活不过",
        r"(?:我|自己)决定[\u4e00-\u9fff]{0,4}(?:去死|死|结束|离开这个)",
    ), ("move",)),
    ("distress", "准备+手段", (
        r"(?:准备|买|找)(?:好)?(?:了)?(?:一根|一条)?绳子",
        r"(?:计划|想好|准备|打算)(?:好)?(?:了)?(?:怎么|在哪里?|什么时候|哪天)(?:死|自杀|跳|结束|走)",
    ), ("story", "game")),
    ("distress", "查找死法", (
        r"(?:搜|查|问)[\u4e00-\u9fff]{0,8}(?:会死|能死|致死|致命)",
        r"(?:多少|几)(?:片|粒|颗)[\u4e00-\u9fff]{0,4}(?:会死|致死|致命)",
        r"(?:查|搜|研究|想知道|问)[\u4e00-\u9fff]{0,4}(?:怎么|如何|怎样)(?:才能)?(?:死|自杀|结束生命)",
        r"(?:怎么|如何|怎样)(?:才能)?死(?:才)?(?:不会?(?:疼|痛)|最快|比较快|得快)",
        r"(?:不痛苦|无痛|最快)的?(?:死法|自杀)",
        r"死法",
        r"(?:问|查|搜)[\u4e00-\u9fff]{0,4}怎么(?:割|划|跳|吃药)",
    ), ("story", "game")),
    # -- distress: burden, hopelessness -----------------------------------------------------
    ("distress", "自我+负担", (
        r"没有我[\u4e00-\u9fff]{0,8}(?:更好|轻松|开心|高兴|清净)",
        r"少了我[\u4e00-\u9fff]{0,6}(?:没有?关系|更好|无所谓|一样)",
        r"我(?:死了|死掉|消失了|不在了|走了|不存在了)[\u4e00-\u9fff]{0,10}(?:更好|开心|高兴|轻松|清净|没人|不会有人|也没人|也不会|会不会有人|后悔|难过|哭|发现)",
        r"(?:如果|要是|假如|等)我死了",
        r"我是(?:个)?[\u4e00-\u9fff]{0,4}的?(?:负担|累赘|拖累)",
        r"{self}是[\u4e00-\u9fff]{0,4}的?(?:负担|累赘|拖累)",
        r"不配活",
        r"没有资格活",
        r"活着(?:就)?是(?:个)?(?:错误|多余|浪费|负担|累赘)",
        r"我的存在(?:就)?是(?:个)?(?:错误|多余)",
        r"我(?:就)?是个错误",
        r"活(?:着|在世上|在这个世界上)?[\u4e00-\u9fff]{0,2}(?:就是)?浪费(?:空气|粮食|生命)",
        r"活着就是浪费",
        r"不该(?:出生|活着|存在)",
        r"后悔(?:活着|出生|来到这个世界|生了我|生下我)",
        r"(?:如果|要是|假如)?我不存在了",
        r"(?:我|我的存在)[\u4e00-\u9fff]{0,6}(?:只会)?(?:给|让)(?:别人|大家|家里|爸妈|所有人)(?:添|带来)(?:麻烦|负担|痛苦)",
        r"我(?:就)?是(?:个|一个)?多余的人",
        r"死了也(?:不会有人|没人)(?:发现|在意|难过|管)",
        r"不(?:再)?拖累(?:任何人|大家|家里|爸妈|别人)",
        r"消失了?也(?:无所谓|没关系|没人在意)",
        r"没人会(?:记得|想起|在乎)我",
        r"不(?:应该|该|配)(?:被爱|活在|活着|存在)",
    ), ("story", "game")),
    ("distress", "活着+痛苦", (
        r"活着(?:好|太|真|很|实在|真的|都|每天)?(?:是)?(?:累|痛苦|煎熬|折磨|难受|没劲|受罪)",
        r"每天活着都是",
        r"(?:没有|没|找不到|看不到|不知道)(?:任何)?(?:活下去|活着|存在)的?(?:意义|理由|动力|希望|勇气|必要)",
        r"活下去(?:太|好|真|实在)?难",
        r"为什么(?:我)?还(?:要)?活着",
        r"为什么我还(?:醒着|活着|在)",
        r"(?:一切|什么|所有|人生|生活|活着)(?:都)?(?:没有|没)(?:任何)?意义",
        r"看不到(?:任何)?希望",
        r"不想(?:再)?继续(?:活|下去|了)",
        r"活着(?:真|好|太|都|也|还)?(?:没|没有)(?:什么|啥)(?:意思|意义|劲|盼头)",
        r"(?:没有|没|看不到)(?:任何|一点)?(?:盼头|希望)了",
        r"我的?(?:人生|未来)(?:没有|没)(?:希望|出路)",
        r"活(?:着|得)[\u4e00-\u9fff]{0,4}(?:没有|没)(?:任何|一点)?(?:价值|意义|意思)",
        r"人生(?:好|很|太|真)?(?:灰暗|黑暗|绝望)",
        r"(?:不如|干脆)(?:早点)?结束(?:算了|吧|掉)?$",
        r"活着(?:好|太|真|很|实在)?难[\u4e00-\u9fff]{0,6}不想(?:再)?坚持",
        r"不想(?:再)?坚持(?:下去)?了",
        r"再也(?:不会)?感觉不到(?:痛苦|痛|任何)",
        r"活在(?:这个)?(?:世界|世)上(?:太|好|真)?累[\u4e00-\u9fff]{0,6}(?:休息|解脱|结束|离开)",
    ), ("story", "game")),
    ("distress", "想死", (
        r"死(?:的)?念头",
        r"想着(?:去)?死",
        r"满脑子(?:都是)?死",
        r"总想死",
        r"(?:死|去死|死掉)[\u4e00-\u9fff]{0,4}(?:是)?(?:唯一|最好)的?(?:解脱|办法|出路|选择)",
        r"只有死[\u4e00-\u9fff]{0,4}(?:才|能)",
        r"(?:死了|死掉|不在了)[\u4e00-\u9fff]{0,6}(?:轻松|解脱|一了百了|好受|不用|不会再?痛|不痛苦|清净)",
        r"(?:想|要|去)紫砂",
        r"自鲨",
        r"死(?:了|掉)?算了",
        r"生命(?:就)?(?:到此|到这里)(?:为止|结束|吧)",
        r"(?:我|是不是)[\u4e00-\u9fff]{0,3}死了(?:比较好|更好|最好|算了|就好)",
        r"活腻",
        r"自我毁灭",
        r"毁掉自己",
        r"念头[\u4e00-\u9fff]{0,4}(?:让我|叫我|要我)[\u4e00-\u9fff]{0,2}(?:跳|死|去死|伤害|割)",
    ), ("story", "game")),
    ("distress", "想解脱", (
        r"(?:好|真|只|我|很)?想(?:要)?(?:彻底)?解脱",
    ), ("relief",)),
    ("distress", "自我+消失", (
        r"忘了我[\u4e00-\u9fff]{0,4}消失",
        r"让(?:我|自己)消失",
        r"(?:好想|真想|只想|很想|我想)(?:就)?(?:这么|这样)?(?:永远)?消失(?!一个|一天|几天|一会|一下|一周|一段|[0-9一二两三四五六七八九十几]+(?:分钟|秒|天|小时))",
        r"(?:谁|任何人|没人)(?:也|都)?(?:找不到|不会找到)我",
    ), ("story", "game")),
    ("distress", "不想活", (
        r"不(?:想|要|愿意)(?:再)?(?:这样|这么|继续)[\u4e00-\u9fff]{0,2}活(?:下去|着|了)",
    ), ("story",)),
    ("distress", "过不下去", (
        r"日子[\u4e00-\u9fff]{0,4}过不下去",
        r"一天(?:也|都)(?:过|活|熬)不下去",
        r"(?:活|过)不下去了",
    ), ("story",)),
    # -- distress: means ---------------------------------------------------------------------
    ("distress", "过量服药", (
        r"(?:吞|吃|喝)(?:了|下|掉)?{much}(?:的)?{pills}",
        r"{pills}[\u4e00-\u9fff]{0,8}一次(?:性)?(?:全|都)?(?:吃|吞)(?:掉|完|光|下)",
        r"把[\u4e00-\u9fff]{0,4}{pills}[\u4e00-\u9fff]{0,4}(?:全|都)(?:吃|吞)",
        r"(?:攒|囤|偷偷买|偷)(?:了)?[\u4e00-\u9fff]{0,10}{pills}",
        r"(?:安眠药|镇静药|药片)[\u4e00-\u9fff]{0,8}(?:打算|准备|想|要|就)(?:一次)?(?:吃|吞)",
        r"(?:准备|买|备|藏)(?:了|好)?(?:好多|很多|一堆|一些|一大堆)?的?(?:安眠药|镇静药)",
        r"(?:好多|很多|一堆)(?:的)?{pills}[\u4e00-\u9fff]{0,6}(?:睡过去|不醒|死|解脱|结束)",
        r"{pills}(?:已经)?(?:准备|备|买|攒)好了",
        r"(?:很多|好多|一堆|一大把)(?:很多|好多)?(?:的)?{pills}[\u4e00-\u9fff]{0,6}(?:睡|不醒|死|解脱|结束|就好)",
    ), ("care",)),
    ("distress", "不再醒来", (
        r"(?:再也|永远|不要|不想|别|不用)(?:不)?(?:再)?醒(?:过来|来)?",
        r"一睡不醒",
        r"永远(?:地)?(?:睡|闭上眼)",
        r"想[\u4e00-\u9fff]{0,4}睡过去",
        r"(?:怎样|怎么|如何)(?:才能)?不再醒",
    ), ()),
    ("distress", "高处+跳", (
        r"{high}上?[\u4e00-\u9fff]{0,8}(?:跳下|往下跳|跳了下去|跳出去|跳)(?!机|伞|水|台|远|高|绳)",
        r"(?:{intent}|如果我?|要是我?|假如我?)(?:从[\u4e00-\u9fff]{0,6})?跳(?:下去|下楼|楼|河|江|海|湖|桥|崖)(?!机|价)",
        r"(?:河边|江边|湖边|海边|桥边|铁轨|{high})[\u4e00-\u9fff]{0,10}(?:差点|差一点|想|要)(?:就)?(?:跳|下去)",
        r"一跃而下|纵身一跃|跳下去",
    ), ("story", "game", "problem", "rescue")),
    ("distress", "撞死", (
        r"一头撞死",
        r"撞死(?:自己|算了)",
        r"{intent}[\u4e00-\u9fff]{0,6}(?:被车撞|撞死|车撞|卧轨)",
        r"(?:拿|用)头撞(?:墙|桌子|门)",
        r"卧轨",
    ), ("story", "game")),
    ("distress", "自我+伤害", (
        r"(?:割|划|扎|戳|捅|烫|刺|咬|掐|扇|撞|弹|抓|伤害|弄伤|弄死|杀死|杀了|饿死|折磨)(?:了)?(?:破|伤|烂|出血)?(?:了)?(?:一下|几下)?(?:我)?自己(?!的(?:作业|东西|事))",
        r"自己[\u4e00-\u9fff]{0,3}(?:割|划|扎|烫|弄伤)(?:的|了|出来)",
        r"(?:割|划)(?:开|破|伤)?(?:了)?(?:自己的?)?(?:手腕|动脉|血管)",
        r"(?:手腕|手臂|胳膊)(?:割|划)(?:开|破|伤)",
        r"让自己(?:流血|疼|受伤|痛)",
        r"{blade}[\u4e00-\u9fff]{0,6}{body}上?[\u4e00-\u9fff]{0,2}(?:划|割|扎|刺|烫|刻)",
        r"(?:在|往)(?:自己的?)?{body}上(?:划|割|扎|烫|刻)",
        r"{blade}[\u4e00-\u9fff]{0,3}(?:割|划|扎|戳|捅|烫)(?:自己|我自己)",
        r"割(?:脉|动脉|静脉)",
        r"(?:伤口|伤痕|疤|口子|划痕|淤青)[\u4e00-\u9fff]{0,8}自己[\u4e00-\u9fff]{0,3}(?:弄|搞|割|划|抓|掐|咬|打)的",
        r"解决(?:掉)?(?:我)?自己",
        r"把(?:我)?自己[\u4e00-\u9fff]{0,2}(?:弄伤|弄死|割|划|伤|杀|饿死|掐|打伤|弄残)",
        r"(?:擦|抓|挠|抠|掐|咬|磨)(?:到|得)(?:出血|流血|破皮|烂)",
        r"{blade}[\u4e00-\u9fff]{0,10}(?:拿出来|拿起来)?(?:划|割)(?:自己|手|胳膊)?$",
        r"(?:藏|准备)[\u4e00-\u9fff]{0,2}{blade}[\u4e00-\u9fff]{0,10}(?:划|割)",
        r"{blade}藏[\u4e00-\u9fff]{0,16}(?:划|割)",
        # Cutting as a habit: 割手, 戒不掉, 停不下来, 明天还会继续.
        r"(?:割|划)(?:了)?手(?!机|工|套|指|续|柄|感|表|势|写|绘)",
        r"戒不掉[\u4e00-\u9fff]{0,2}(?:割|划)|(?:割|划)[\u4e00-\u9fff]{0,4}(?:戒不掉|停不下来|上瘾|改不掉)"
        r"|忍不住(?:又)?(?:割|划)(?!算|船|拳|掉|线|重点)|(?:割|划)的(?:地方|伤口|口子)"
        r"|还会(?:继续)?(?:割|划)(?!算|船|拳|掉|线|重点)",
    ), ("care", "story")),
    # -- safeguarding: hurt by someone ----------------------------------------------------------
    ("safeguarding", "施害者+伤害+我", (
        r"{agent}[\u4e00-\u9fff]{0,12}?{hurt}(?:了)?(?:我|我们)(?!们?班|们?队|们?学校|们?的(?:作业|卷|试卷|成绩|分|电话|手机)|们?年级|们?组|去|参加|上台|当|回答|起来|背|默写)",
    ), ("play", "care", "story")),
    ("safeguarding", "欺凌+我", (
        r"(?:欺负|霸凌|欺凌|孤立|排挤|勒索|敲诈|骚扰|虐待|殴打|威胁|羞辱|辱骂)(?:了)?我(?!们)",
    ), ("story", "game")),
    ("safeguarding", "把我+伤害", (
        r"把我(?:的?(?:头|脸|身体|手|脖子|衣服|裤子))?(?:(?:往|朝|在)[\u4e00-\u9fff]{0,3})?(?:按|摁|推|锁|关|绑|拖|摔|踢|撞|压|泼|扒|赶出|围住|堵|揍|打)",
        r"把我(?:的)?(?:书包|东西|书|饭|衣服|鞋|被子|床|作业本)[\u4e00-\u9fff]{0,4}(?:扔进|扔到|丢进|泼|踩)",
        r"(?:按|摁)(?:进|在)(?:水里|马桶|厕所|地上)",
        r"推(?:下|进)(?:楼梯|河|水)",
        r"把我(?:围|堵|按|拖|拉|推)(?:起来|住|到[\u4e00-\u9fff]{0,4}|在[\u4e00-\u9fff]{0,4})(?:就)?(?:踢|打|揍|踹|扇)",
    ), ("drama", "play", "story", "study")),
    ("safeguarding", "被+伤害", (
        r"被[\u4e00-\u9fff]{0,6}(?:锁|关)在",
        r"被{agent}(?:打|揍|踢|踹|扇|掐|欺负)(?:了|得|过|一顿)",
        r"被(?:偷拍|跟踪|威胁|殴打|欺凌|踹|扇|掐|揪|绑|拖)",
        r"被[\u4e00-\u9fff]{0,6}打得(?:鼻青脸肿|流血|满脸|浑身|很疼|好疼|站不起来|住院|骨折|鼻子|头)",
        r"挨(?:打|揍|耳光|巴掌|踢)",
        r"挨了[\u4e00-\u9fff]{0,3}(?:打|揍|巴掌|耳光|一顿)",
        r"鼻青脸肿",
        r"(?:揍|打)了(?:我)?一顿",
        r"扇了我",
        r"揪(?:着)?(?:我的?)?(?:耳朵|头发)",
        r"(?:扇|打|抽)(?:了)?(?:我)?(?:几个|一个|两个)?(?:耳光|巴掌|嘴巴子)",
        r"被[\u4e00-\u9fff]{0,8}(?:用|拿)[\u4e00-\u9fff]{0,4}(?:烫|打|砸|扎|抽|割|烧)",
        r"勒(?:我的?)?脖子",
        r"掐(?:我的?)?脖子",
    ), ("drama", "play", "story")),
    ("safeguarding", "禁闭/饥饿", (
        r"(?:锁|关)在(?:家里|家|屋里|房间|厕所|门外|阳台|地下室|柜子|小黑屋|外面|车里|楼道)",
        r"(?:不让|不许|不准)(?:我)?(?:出门|回家|进家|进门|吃(?:早|午|晚)?饭|睡觉|上学|上厕所|喝水|吃东西)",
        r"不给(?:我)?(?:饭|吃的|吃(?:早|午|晚)?饭|钱吃饭)",
        r"饿了我",
        r"饿我",
        r"(?:好几天|几天|一天|两天)(?:都)?(?:没|没有)(?:饭|吃的|吃饭|东西吃)",
        r"把我(?:一个人)?(?:扔|丢)在家",
        r"赶出(?:家门|家)",
        r"罚(?:我)?跪",
        r"跪(?:一晚上|一夜|一整夜|到天亮)",
        r"不让我上学",
        r"罚(?:我)?(?:站|跪)[\u4e00-\u9fff]{0,4}(?:一整晚|一晚上|一整夜|一夜|一整天)",
        r"雪地里罚",
    ), ("drama", "story", "game", "study")),
    ("safeguarding", "勒索钱财", (
        r"(?:拦|堵|截|逼|让|叫|找|向|跟|问|威胁)(?:住)?我(?!们)[\u4e00-\u9fff]{0,4}(?:要|交|拿|借|给)[\u4e00-\u9fff]{0,4}{money}",
        r"逼我[\u4e00-\u9fff]{0,10}(?:给|交|买)[\u4e00-\u9fff]{0,8}(?:{money}|东西|零食|烟)",
        r"逼我[\u4e00-\u9fff]{0,6}跑腿",
        r"不(?:交|给|买|做|写|听话|去)[\u4e00-\u9fff]{0,2}就(?:要)?(?:打|揍|挨打|弄死|收拾)",
        r"(?:门口|厕所|巷子|路上|楼道|放学)[\u4e00-\u9fff]{0,4}(?:堵|截)我",
        r"不(?:交|给)钱就(?:要)?(?:打|揍|挨打|弄死)",
        r"{money}[\u4e00-\u9fff]{0,3}(?:被)?(?:全)?(?:抢|抢走|抢光)",
        r"(?:带钱|拿钱)来赎",
        r"拿走了?我的[\u4e00-\u9fff]{0,4}[\u4e00-\u9fff]{0,8}(?:要钱|给钱|带钱|拿钱)",
    ), ("story", "game")),
    ("safeguarding", "威胁", (
        r"(?:威胁|扬言|吓唬)[\u4e00-\u9fff]{0,10}(?:打|揍|弄死|杀|收拾|曝光|发)",
        r"(?:说|扬言)(?:要|会)?[\u4e00-\u9fff]{0,6}(?:打我|揍我|弄死我|杀了我|收拾我|打死我)",
        r"(?:告诉|说出去)[\u4e00-\u9fff]{0,4}就(?:要)?(?:打|揍|弄|杀)",
        r"(?:要|就)(?:打|揍)我",
        r"弄死我",
        r"杀了我",
        r"(?:拿|用)(?:刀|菜刀|剪刀|棍子|砖头|凳子)[\u4e00-\u9fff]{0,3}(?:吓唬|威胁|指着|追|砍|对着)",
    ), ("play", "story")),
    ("safeguarding", "拿我出气", (
        r"拿我(?:出气|撒气)",
        r"(?:吵架|生气|喝醉|喝多|喝酒)[\u4e00-\u9fff]{0,4}(?:就)?[\u4e00-\u9fff]{0,6}(?:打|揍|掐|踢|砸|抽)(?:我|妈妈|我妈)",
    ), ()),
    ("safeguarding", "伤痕", (
        r"(?:胳膊|腿|背|脸|身|手)上?的?(?:伤|淤青|疤)是[\u4e00-\u9fff]{0,4}(?:打|掐|烫)的",
        r"(?:打|掐|抽)得[\u4e00-\u9fff]{0,4}(?:流血|肿|青|紫)",
        r"(?:腿|胳膊|背|身)上[\u4e00-\u9fff]{0,2}(?:都是|全是)(?:印子|伤|淤青)",
    ), ("play", "care")),
    # -- safeguarding: sexual abuse, grooming, secrecy ---------------------------------------------
    ("safeguarding", "摸/碰身体", (
        r"(?:摸|碰|亲|舔)我(?:的)?(?:隐私|下面|胸|屁股|大腿|腿|身体|私处)",
        r"(?:叔叔|伯伯|大伯|老师|教练|网友|邻居|陌生人|大人|男的|表哥|堂哥|继父|后爸|他)[\u4e00-\u9fff]{0,8}(?:摸|亲)我",
        r"坐(?:他|他的|在他)?腿上",
        r"(?:对我|跟我)动手动脚",
        r"(?:摸|碰)我的?(?:腰|胸|屁股|大腿|下面|隐私)",
    ), ()),
    ("safeguarding", "要照片/脱衣", (
        r"(?:让|叫|要|逼)我[\u4e00-\u9fff]{0,4}(?:脱|拍|发|开视频|给他看)[\u4e00-\u9fff]{0,8}(?:衣服|裤子|照片|视频|身体|裸|内衣)",
        r"(?:裸照|私密照|没穿衣服|裸体)",
        r"偷拍",
        r"给我看(?:不好的|黄色|那种|成人)",
        r"对我做了(?:不好|奇怪|那种)",
        r"(?:换衣服|脱衣服|脱裤子|身体)[\u4e00-\u9fff]{0,3}给(?:他|她|他们)看",
        r"我的?照片[\u4e00-\u9fff]{0,6}(?:发出去|发到|传出去|曝光)",
        r"除非我给[\u4e00-\u9fff]{0,2}钱",
        r"扒(?:我)?(?:的)?(?:裤子|衣服)",
        r"网友[\u4e00-\u9fff]{0,10}(?:要我|让我|叫我)[\u4e00-\u9fff]{0,6}(?:发|拍|开视频|见面|脱)",
        r"网友[\u4e00-\u9fff]{0,10}见面",
    ), ("topic",)),
    ("safeguarding", "要我保密", (
        r"(?:让|叫|要|逼)我{secret}",
        r"{secret}[\u4e00-\u9fff]{0,4}(?:他|她)?(?:摸|亲|打|做)",
        r"(?:叔叔|伯伯|大伯|老师|教练|网友|邻居|陌生人|大人|男的|哥哥|表哥|堂哥|继父|后爸|他)[\u4e00-\u9fff]{0,16}(?:说|让我|叫我|要我)[\u4e00-\u9fff]{0,2}{secret}",
        r"(?:不让|不许|不准)我(?:告诉|说给|跟|和)(?:别人|任何人|爸妈|爸爸|妈妈|家里|家人|老师|家长|大人)",
        r"不许告诉别人",
        r"让我保密",
        r"保守(?:我们之间的)?秘密",
        r"我们之间的秘密",
    ), ("surprise",)),
    ("safeguarding", "跟踪/诱骗", (
        r"跟踪我",
        r"跟着我回家",
        r"(?:老|总|一直|总是|偷偷|天天)跟着我(?!们|学|玩|一起|练|让我陪)",
        r"(?:有人|几个人|一群人|他们|陌生人|男的|混混|那个人)[\u4e00-\u9fff]{0,4}跟着我",
        r"(?:拉|拽|抱|叫|带)我[\u4e00-\u9fff]{0,4}(?:去|到|上)他(?:家|的?车|房间)",
        r"(?:叔叔|伯伯|大伯|网友|邻居|陌生人|大人|男的|他)[\u4e00-\u9fff]{0,12}(?:去|到|上)他(?:家|的?车|房间)",
        r"(?:给我|帮我)买[\u4e00-\u9fff]{0,4}(?:让|叫|要)我跟(?:他|她|他们)走",
        r"(?:让|叫|要)我跟(?:他|她)(?:走|回家|上车)",
    ), ("drama", "surprise",)),
    # -- safeguarding: bullying -----------------------------------------------------------------------
    ("safeguarding", "群体欺凌", (
        r"(?:群|网上|朋友圈)[\u4e00-\u9fff]{0,8}(?:骂我|造谣|嘲笑我|侮辱我|羞辱我)",
        r"发我的[\u4e00-\u9fff]{0,3}(?:照片|视频)[\u4e00-\u9fff]{0,4}(?:骂|嘲笑|羞辱|笑话)",
        r"(?:发|传)(?:到)?[\u4e00-\u9fff]{0,6}(?:群|网上|朋友圈)[\u4e00-\u9fff]{0,6}(?:嘲笑|骂|笑话|羞辱)",
        r"(?:拍|录)(?:了)?我(?!们|家)[\u4e00-\u9fff]{0,6}(?:视频|照片)[\u4e00-\u9fff]{0,6}(?:发|传)",
        r"我的?丑照",
        r"(?:天天|全班|都|还)[\u4e00-\u9fff]{0,4}(?:给我)?起外号",
        r"踢出群",
        r"背后说我坏话",
        r"全班(?:都)?不(?:跟|和|理)我",
        r"往我(?:的)?[\u4e00-\u9fff]{0,3}(?:饭|水杯|书包|桌子|身上|头上|鞋)[\u4e00-\u9fff]{0,4}(?:吐|倒|扔|泼|塞|放)",
        r"吐口水",
        r"逼我(?:喝|吃|舔|跪|叫)",
        r"让我跪",
        r"一直被排挤",
        r"(?:网上|群里|朋友圈)[\u4e00-\u9fff]{0,2}被[\u4e00-\u9fff]{0,4}骂",
        r"p(?:了)?我的?(?:照片|图|丑图)",
        r"(?:照片|视频)[\u4e00-\u9fff]{0,4}到处(?:发|传)",
        r"逼(?:着)?(?:我)?(?:喝尿|吃屎|喝脏水|舔)",
        r"被[\u4e00-\u9fff]{0,6}逼着(?:喝|吃|舔|跪|脱)",
    ), ("story", "topic")),
)


def _compile(pattern: str) -> re.Pattern:
    return re.compile(re.sub(r"\{([a-z]+)\}", lambda m: C[m.group(1)], pattern))


_RULES = tuple((lane, label, _compile("|".join(alternatives)), guards)
               for lane, label, alternatives, guards in RULES)
_GUARDS = {name: re.compile(p) for name, p in GUARDS.items()}
_SENTENCE = re.compile(r"[。！？!?；;\n…]+")
# The person speaks of themself: a guard about stories or games does not apply.
_FIRST_PERSON = re.compile(r"我(?!们)|自己|俺|人家")
_HARSH = re.compile(r"打|锁|饿|不给|一整|一晚|一夜|哭|害怕|不让我?(?:吃|睡|出来)")
_INJURY = re.compile(r"流血|受伤|淤青|故意|欺负|霸凌|肿|骨折|住院|不敢")
# Everyday hyperbole and set phrases cut out before reading (累死了, 打电话, 跳楼机, 落后就要挨打).
_CUT = re.compile(
    r"[笑难累烦热冷气饿困吓急忙痒疼丑美帅吵渴晒撑哭羡慕尴尬无聊紧张愁闷憋]死(?!自己|我自己|算了)(?:了|我了|人了|啦|我)?"
    r"|被[\u4e00-\u9fff]{0,4}(?:逼死|折磨死|烦死|难死)|打死我也|死定了|死党|死机|死胡同|死循环|死磕"
    r"|自杀式|自杀鬼|慢性自杀|虐待动物|跳楼机|跳楼价|跳梁|狗急跳墙|鸡飞狗跳|落后就要挨打|落后挨打|一个愿打一个愿挨|想死你们?|想死您|想死我了|[嗑磕]死我?了"
    r"|打(?:我|给我)?(?:的)?(?:电话|手机)|打(?:扫|针|疫苗|字|印|卡|扮|工|折|分|车|饭|呼噜|算|开|气|招呼|喷嚏)|打了(?:一)?(?:盆|桶|壶|杯)水|打了(?:个|好多|一个)?(?:优|叉|勾|钩)"
    r"|割(?:草|麦|稻|韭菜)|杀(?:菌|毒|虫|价|青|手锏|鸡)"
)


# A sentence asking about words (a lyric, an idiom) quotes them: “我想消失在人海”是什么意思.
_ABOUT_WORDS = re.compile(r"是什么意思|什么意思|歌词|造句|怎么理解|出自|怎么翻译")
_QUOTED = re.compile(r"[“\"「『][^”\"」』]{0,40}[”\"」』]")


def _unquoted(sentence: str) -> str:
    return _QUOTED.sub("", sentence) if _ABOUT_WORDS.search(sentence) else sentence


@lru_cache(maxsize=256)
def sentences(text: str) -> tuple[str, ...]:
    """The text's sentences, each normalised (see normalise) with everyday hyperbole cut out and,
    in a question about words, the quoted words left out."""
    parts = (_CUT.sub("", normalise(_unquoted(part))) for part in _SENTENCE.split(simplify(text)))
    return tuple(part for part in parts if part)


# Who is hurt in a sentence with 被: a creature or thing (怪兽被打死了), or someone in a question or a
# supposition (看到同学被欺负你会怎么做, 如果同学被欺负了), is not the writer.
_NOT_A_VICTIM = re.compile(
    r"(?:怪兽|怪物|小怪|敌人|僵尸|恐龙|蚊子|苍蝇|老鼠|虫子?|蟑螂|小?狗|小?猫|鱼|兔子?|鸡|鸭|玩偶|娃娃|玩具|球|坏人|反派"
    r"|作文|试卷|卷子|作业本?|本子|答案|这道题)(?:上|里)?(?:又|也|都|就|还|给)?$"
    r"|(?:如果|假如|要是|万一|看到|看见|遇到|发现|当|怎么帮|怎样帮|如何帮)(?:有|身边的?|别的|其他)?"
    r"(?:同学|别人|小朋友|朋友|人|有人|一个人|他人|孩子|学生)(?:在学校|在班里)?(?:又|也|都|正在)?$")
# 我 right after a hurting word but starting a clause of its own, in a sentence about a school task:
# 「拒绝校园欺凌」我负责做 PPT.
_SCHOOL_TASK = re.compile(GUARDS["topic"] + r"|ppt|课件|作文|读后感|手工")
_WRITER_DOES = re.compile(r"我(?:来|就|也)?(?:负责|打算|准备|想做|要做|做|写|画|查|选|找|读)")


def _writer_hurt(sentence: str, match: re.Match) -> bool:
    """Whether the writer is the one hurt in a match (我被…, 欺负我), not someone else or a topic."""
    if "我" in match.group(0):
        at = match.start() + match.group(0).index("我")
        return not _WRITER_DOES.match(sentence, at)
    return any(not _NOT_A_VICTIM.search(sentence[max(0, at - 10):at])
               for at in (m.start() for m in re.finditer("被", sentence)))


# People in general, as in the news or a lesson (有个小孩被家暴了, 未成年人被打可以打110), when the
# writer does not speak of themself in the sentence.
_SOMEONE = re.compile(r"(?:小孩|孩子|儿童|未成年人|学生|女孩|男孩|人)$")
# A hurting word said not to happen: 我爸从来不打我.
_NEVER = re.compile(r"(?:从来|从|倒是|并)(?:都)?(?:不|没|没有)(?:会|舍得)?$")


def _other_hurt(sentence: str, match: re.Match) -> bool:
    """Whether someone or something other than the writer is hurt in a match: its 被 (in it or right
    before it) has another before it, or its closing 我 starts a clause of its own (欺凌」我负责)."""
    at = match.group(0).find("被")
    at = match.start() + at if at >= 0 else match.start() - 1
    if at >= 0 and sentence[at] == "被" and (_NOT_A_VICTIM.search(sentence[max(0, at - 10):at]) or (
            _SOMEONE.search(sentence[max(0, at - 4):at]) and not _FIRST_PERSON.search(sentence))):
        return True
    if _NEVER.search(sentence[max(0, match.start() - 4):match.start()]) or _NEVER.search(
            sentence[match.start():match.start() + 6][:max(0, match.group(0).find("打"))]):
        return True
    return (match.group(0).endswith("我") and bool(_WRITER_DOES.match(sentence, match.end() - 1))
            and bool(_SCHOOL_TASK.search(sentence)))


def guarded(sentence: str, match: re.Match, guards: tuple[str, ...], lane: str = "") -> bool:
    """Whether a match in sentence is explained away by one of the guards' contexts.

    A story or game guard does not apply when the writer speaks of themself right there (我也想死
    after a question about 林黛玉); a school-topic guard not when the sentence says 被 (我被霸凌了).
    """
    near = sentence[max(0, match.start() - 6):match.end()]
    if lane == "safeguarding" and _other_hurt(sentence, match):
        return True
    for name in guards:
        if not _GUARDS[name].search(sentence):
            continue
        if name in ("story", "game", "problem", "bio") and _FIRST_PERSON.search(near):
            continue
        if name == "topic" and lane == "distress" and _FIRST_PERSON.search(near):
            continue
        if name == "topic" and _writer_hurt(sentence, match):
            continue
        if name == "study" and _HARSH.search(sentence):
            continue
        if name == "care" and "故意" in sentence:
            continue
        if name == "play" and _INJURY.search(sentence):
            continue
        return True
    return False


# The last resort when no rule fires: the concepts met anywhere in one sentence, weighed. Death
# words weigh 2 (死, 生命, 活着) or 1 each for two at most (离开, 消失, 永远, 休息); pain 1; intent 1;
# 4 or more with a death word fires; the writer must speak of themself and no guard apply.
# Harm: someone, a hurting verb and 我 in one sentence.
_DEATH_STRONG = re.compile(r"死(?!机|党|角|板|记|磕|胡同|循环|定|对头|心)|自杀|生命|活着|活下去|活不|活在"
                           r"|不在了|天堂|另一个世界|遗书|遗言|跳下|割|流血|不想活|这条命|世上")
_DEATH_WEAK = re.compile(r"离开|消失|结束|解脱|永远|醒来|不再醒|药|告别|再见|存在|伤害|休息|一走了之|疼|痛"
                         r"|刀|跟着去|不再回来|最后一次")
_PAIN = re.compile(r"痛苦|绝望|难受|崩溃|受不了|撑不|熬不|累|煎熬|折磨|没意思|没意义|没用|多余|废物|失败"
                   r"|讨厌自己|恨自己|恨我自己|孤独|没人|不配|拖累|负担|地狱|黑暗|对不起")
_INTENT = re.compile(r"想|要|打算|准备|决定|干脆|宁愿|今晚|明天|马上|现在就|已经|最后")
_SELF = re.compile(r"我(?!们)|自己|俺")
_HARM = r"(?:打|揍|踢|踹|扇|掐|抽|烫|砸|摸|扒|逼|威胁|锁|绑|勒|按|泼|扔|推(?!荐|广)|拽|拖|罚)"
_HARM_ME = re.compile(_HARM + r"[\u4e00-\u9fff]{0,6}我(?!们)|把我(?!的)[\u4e00-\u9fff]{0,6}" + _HARM)
_AGENT = re.compile(C["agent"])
_FALLBACK_GUARDS = ("story", "game", "bio", "problem", "topic", "relief", "move", "care", "play", "study",
                    "surprise", "drama", "embarrass")


def _weighed(sentence: str) -> Hit | None:
    if not _SELF.search(sentence):
        return None
    guards = [name for name in _FALLBACK_GUARDS if _GUARDS[name].search(sentence)]
    if guards:
        return None
    death = 2 * bool(_DEATH_STRONG.search(sentence)) + min(2, len(set(_DEATH_WEAK.findall(sentence))))
    weight = death + bool(_PAIN.search(sentence)) + bool(_INTENT.search(sentence))
    if death and weight >= 4:
        return Hit("distress", "自我+死亡+痛苦/意图（同句）", sentence[:30])
    agent = _AGENT.search(sentence)
    harm = _HARM_ME.search(sentence, agent.end()) if agent else None
    if harm and not _NEVER.search(sentence[max(0, harm.start() - 4):harm.start()]):
        return Hit("safeguarding", "施害者+伤害+我（同句）", sentence[:30])
    return None


WEIGHING = True


def concept_hits(text: str) -> list[Hit]:
    """Every sign the concepts find in text, sentence by sentence (empty when there is none)."""
    hits: list[Hit] = []
    for sentence in sentences(text):
        for lane, label, pattern, guards in _RULES:
            match = pattern.search(sentence)
            if match and not guarded(sentence, match, guards, lane):
                hits.append(Hit(lane, label, match.group(0)))
        if WEIGHING and not hits:
            weighed = _weighed(sentence)
            if weighed:
                hits.append(weighed)
    return hits


def story_context(text: str) -> bool:
    """Whether text is about other people in a story, history or a definition, not the writer."""
    return any(_GUARDS["story"].search(s) and not _FIRST_PERSON.search(s) for s in sentences(text))
