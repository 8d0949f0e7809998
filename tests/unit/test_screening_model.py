"""The trained screening model (hplearn/screening/model.py) and its training script."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from hplearn.screening import model
from hplearn.screening.signs import distress_signs, safeguarding_signs

ROOT = Path(__file__).resolve().parents[2]


def _training_script():
    spec = importlib.util.spec_from_file_location("train_screening", ROOT / "scripts" / "train_screening.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_model_file_loads_with_both_lanes_and_is_small():
    lanes = model.lanes()
    assert set(lanes) == {"distress", "safeguarding"}
    for lane in lanes.values():
        assert 0.5 < lane.threshold < 1 and len(lane.weights) > 1000
    assert model.MODEL_FILE.stat().st_size < 2_000_000


def test_clear_phrasings_score_high_and_homework_low():
    lanes = model.lanes()
    assert model.probability("我真的不想活了，每天都好痛苦", "distress") > lanes["distress"].threshold
    assert model.probability("我爸喝醉了就拿皮带抽我", "safeguarding") > lanes["safeguarding"].threshold
    for text in ("二次函数的顶点坐标怎么求", "这道题难死了", "跳绳一分钟跳多少合格"):
        assert model.probability(text, "distress") < 0.5
        assert model.probability(text, "safeguarding") < 0.5


def test_a_model_hit_explains_itself_when_the_rules_are_silent():
    text = "谢谢老师，这是我这辈子问的最后一个问题了，以后也不会再来了"
    assert distress_signs(text, model=False) == []
    [sign] = distress_signs(text)
    assert sign.startswith("模型判断（疑似轻生或自伤念头，") and "：" in sign


def test_letters_are_read_as_words_and_as_pinyin_initials():
    assert model._initials("zisha") == "zs" and model._initials("zs") == "zs"
    assert model._initials("wo ba da wo") == "wbdw" and model._initials("hello world!") == ""
    assert {"l:zisha", "li:zs"} <= set(model.features("真的好想zisha"))
    assert {"l:zs", "li:zs"} <= set(model.features("zs是什么感觉"))


def test_stories_and_games_veto_the_model():
    assert model.vetoed("游戏里的角色死了好几次")
    assert not model.vetoed("游戏里我也想像角色一样死掉")
    assert model.model_sign("小说里的主人公最后离开了这个世界", "distress") is None


def test_the_rules_speak_first():
    assert distress_signs("我想自杀") == distress_signs("我想自杀", model=False)
    assert safeguarding_signs("今天天气很好") == []


def test_the_score_is_deterministic_across_hash_seeds():
    code = ("from hplearn.screening.model import probability;"
            "print(repr(probability('我好累，想一直睡下去不再醒来', 'distress')))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1
    assert model.features("我想 死。") == model.features("我想 死。")


def test_cross_validation_on_a_tiny_set_separates_the_lanes():
    train = _training_script()
    texts = ["我不想活了", "我想去死", "活着好累想死", "想结束生命", "我想跳楼",
             "爸爸打我", "妈妈打我", "同学打我", "哥哥打我", "他们打我",
             "数学题怎么做", "英语怎么学", "作文怎么写", "物理好难", "化学实验"] * 2
    labels = (["distress"] * 5 + ["safeguarding"] * 5 + ["benign"] * 5) * 2
    folds = train.stratified_folds(labels, 2, seed=0)
    assert sorted(folds.count(k) for k in (0, 1)) == [15, 15]
    oof = train.cross_validate([model.features(text) for text in texts], labels, folds=2, seed=0)
    labels = np.array(labels)
    assert oof["distress"][labels == "distress"].min() > oof["distress"][labels == "benign"].max()
    assert oof["safeguarding"][labels == "safeguarding"].min() > oof["safeguarding"][labels == "benign"].max()
    assert train.threshold(np.array([0.1, 0.2, 0.9]), 0.0) > 0.9


def test_naive_bayes_scaling_keeps_inference_one_dot_product():
    train = _training_script()
    texts = ["我不想活了", "我想去死", "爸爸打我", "妈妈打我", "数学题怎么做", "英语怎么学"] * 2
    labels = ["distress", "distress", "safeguarding", "safeguarding", "benign", "benign"] * 2
    grams = [model.features(text) for text in texts]
    vocab, weights, bias = train.train(grams, labels, l2=0.1, cross=0.0, nb=1.0)["distress"]
    scores = train.probabilities({"distress": (vocab, weights, bias)}, grams)["distress"]
    lane = model.Lane(bias, 0.5, {gram: float(weights[i]) for gram, i in vocab.items()})
    assert np.allclose(scores, [lane.score(g) for g in grams])
    assert scores[0] > 0.5 > scores[4]
