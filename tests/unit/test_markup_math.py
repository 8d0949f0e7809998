"""Formulas in Markdown become MathML on the server; code shows what was typed."""

import pytest

from hplearn.markup import (
    ALLOWED_ATTRIBUTES,
    FORMULAS_MAX,
    MATHML_TAGS,
    plain_text,
    render_markdown,
)


def test_inline_and_display_formulas_become_mathml():
    html = render_markdown("面积是 $x^2$，分数 $$\\frac{a}{b}$$")
    assert '<math display="inline"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>' in html
    assert '<math display="block">' in html and "<mfrac>" in html
    assert "$" not in html


def test_underscores_and_braces_in_a_formula_are_latex_not_markdown():
    html = render_markdown("$a_1 + b_1 = \\{x\\}$ 和 *强调*")
    assert "<msub>" in html and "<em>强调</em>" in html
    assert "<em>1 + b</em>" not in html


@pytest.mark.parametrize("text", [
    "一支笔 $5 and 一本书 $6",
    "价格 $5, $6 和 $7.5",
    "带空格 $ x $ 不是公式",
    "$5-$10 的区间",
])
def test_prices_stay_text(text):
    html = render_markdown(text)
    assert "<math" not in html
    assert text.split()[1] in html or "$" in html


def test_escaped_dollar_is_a_literal_dollar():
    html = render_markdown("\\$x$ 不是公式")
    assert "<math" not in html and "$x$" in html


def test_formulas_in_code_stay_code():
    html = render_markdown("`$x^2$`\n\n```\n$$a$$\n```")
    assert "<math" not in html
    assert "<code>$x^2$</code>" in html and "$$a$$" in html


@pytest.mark.parametrize("latex", ["\\begin{matrix}a", "\\frac", "a^", "\\sqrt["])
def test_bad_latex_shows_as_code(latex):
    html = render_markdown(f"看这里 ${latex}$ 结束")
    assert "<math" not in html
    assert "<code>$" in html and "看这里" in html and "结束" in html


def test_very_long_formula_shows_as_code():
    html = render_markdown("$" + "x+" * 1200 + "y$")
    assert "<math" not in html and "<code>$x+x+" in html


def test_formulas_past_the_limit_stay_text():
    html = render_markdown("$x$ " * (FORMULAS_MAX + 5))
    assert html.count("<math") == FORMULAS_MAX
    assert "$x$" in html


@pytest.mark.parametrize("text", [
    "$\\href{javascript:alert(1)}{x}$",
    "$<script>alert(1)</script>$",
    "$\\text{<script>alert(1)</script>}$",
    "$\\text{<img src=x onerror=alert(1)>}$",
    "$\\style{background:url(javascript:alert(1))}{x}$",
    "$\\color{red\" onmouseover=\"alert(1)}{x}$",
    "$$\\text{<a href=\"javascript:alert(1)\">x</a>}$$",
    '<math><mi href="javascript:alert(1)" onclick="alert(1)" style="x">x</mi></math>',
    '<math><maction actiontype="statusline"><mi>x</mi></maction><semantics>'
    '<annotation-xml encoding="text/html"><script>alert(1)</script></annotation-xml></semantics></math>',
])
def test_formulas_cannot_script_link_or_style(text):
    html = render_markdown(text).lower()
    for bad in ("<script", "href", "javascript", "onerror", "onclick", "onmouseover", "style=",
                "<a ", "<img", "maction", "annotation", "semantics"):
        assert bad not in html


def test_mathml_allow_list_has_no_dangerous_attribute():
    check = ALLOWED_ATTRIBUTES["mi"]
    for name in ("href", "xlink:href", "style", "class", "id", "onclick", "src"):
        assert not check("mi", name, "x")
    assert check("mstyle", "mathcolor", "red")
    assert not check("mstyle", "mathcolor", "red\" onclick=\"x")
    assert "maction" not in MATHML_TAGS and "semantics" not in MATHML_TAGS


def test_plain_text_keeps_the_latex_source():
    assert plain_text("面积 $x^2$ 平方米") == "面积 $x^2$ 平方米"


@pytest.mark.parametrize(("text", "expected"), [
    ("```\na < b && c > d\n```", "<pre><code>a &lt; b &amp;&amp; c &gt; d\n</code></pre>"),
    ("比较 `a < b` 的大小", "<p>比较 <code>a &lt; b</code> 的大小</p>"),
    ("    if a < b:\n        pass", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
    ("`https://example.org/?a=1&b=2`", "<p><code>https://example.org/?a=1&amp;b=2</code></p>"),
])
def test_code_is_escaped_once(text, expected):
    assert render_markdown(text) == expected


def test_text_links_are_still_linkified_outside_code():
    html = render_markdown("见 https://basic.smartedu.cn 和 `https://example.org`")
    assert '<a href="https://basic.smartedu.cn" rel="nofollow noopener noreferrer"' in html
    assert "<code>https://example.org</code>" in html
