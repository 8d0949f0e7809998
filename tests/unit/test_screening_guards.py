"""Guards that test who a sentence is about: a school topic, a book or someone else stays silent,
while the writer saying the same words of themself is caught."""

import pytest

from hplearn.screening import model
from hplearn.screening.signs import distress_signs, safeguarding_signs


def lanes(text):
    return {lane for lane, found in (("distress", distress_signs(text)),
                                     ("safeguarding", safeguarding_signs(text))) if found}


@pytest.mark.parametrize(("topic", "disclosure", "lane"), [
    ("下周班会主题是「拒绝校园欺凌」 我负责做PPT 有没有好的案例推荐",
     "下周班会主题是拒绝校园欺凌 可是他们天天欺凌我", "safeguarding"),
    ("反霸凌讲座让写「看到同学被欺负你会怎么做」 我写的告诉老师和家长 这样对吗",
     "反霸凌讲座刚开完 我又被同学欺负了 他们把我堵在厕所里", "safeguarding"),
    ("如果同学被欺负了，我应该怎么帮他", "同学欺负了我，我应该怎么办", "safeguarding"),
    ("奥特曼打怪兽 怪兽被打死了 我弟问怪兽有没有妈妈 好可爱", "我昨天又被我爸打了 打得好疼", "safeguarding"),
    ("作文被老师打了个优", "作业没写完被老师打了好几下手心 手都肿了", "safeguarding"),
    ("新闻里说有个小孩被家暴了，好可怜", "我被家暴了，不敢回家", "safeguarding"),
    ("我爸从来不打我，他很温柔", "我爸天天打我，我不敢回家", "safeguarding"),
    ("六年级要毕业了 想给班主任写封告别信 说声谢谢 怎么开头好", "我写了一封告别信放在抽屉里", "distress"),
    ("有人从楼上跳下去救落水儿童，好勇敢", "我站在楼顶上想跳下去", "distress"),
    ("抑郁症和心情不好有什么区别", "我觉得我抑郁了，每天都不想起床", "distress"),
])
def test_a_topic_stays_silent_while_the_same_words_said_of_oneself_are_caught(topic, disclosure, lane):
    assert lanes(topic) == set()
    assert lane in lanes(disclosure)


def test_a_book_retold_vetoes_the_model_but_a_reader_who_wants_to_die_does_not():
    retold = ("老师 语文老师让读余华的《活着》 我读到有庆抽血抽死那段就读不下去了 太惨了 后来凤霞生孩子也死了"
              " 二喜也死了 福贵最后就剩一头老牛 这本书到底想说活着有什么意义啊 读后感不知道咋写")
    assert model.vetoed(retold) and lanes(retold) == set()
    assert not model.vetoed("读完这本书我觉得自己也活不下去了")
    assert "distress" in lanes("读完这本书我觉得自己也活不下去了")
