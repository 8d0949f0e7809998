"""The reused Markdown converter keeps nothing from one text to the next."""

from hplearn.markup import plain_text, render_markdown


def test_footnotes_and_abbreviations_do_not_leak_into_the_next_text():
    first = render_markdown("正文[^1]\n\n*[HTML]: 超文本\n\n[^1]: 脚注内容")
    assert "脚注内容" in first
    second = render_markdown("HTML 很常见")
    assert "脚注内容" not in second and "<abbr" not in second


def test_plain_text_is_the_same_cached_or_not():
    text = "**加粗**与[链接](https://basic.smartedu.cn)"
    assert plain_text(text) == plain_text(text) == "加粗与链接"
    assert plain_text(text * 300).startswith("加粗与链接")
    assert plain_text(text, 3) == "加粗…"
