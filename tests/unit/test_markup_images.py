"""Images in Markdown: uploaded files (/media/<id>) and http(s) pictures, nothing else."""

import pytest

from hplearn.markup import render_markdown


@pytest.mark.parametrize(("text", "src"), [
    ("![图片](/media/12)", "/media/12"),
    ("![示意图](https://basic.smartedu.cn/a.png)", "https://basic.smartedu.cn/a.png"),
    ("![示意图](http://example.org/a.gif)", "http://example.org/a.gif"),
])
def test_allowed_images_become_img_tags(text, src):
    html = render_markdown(text)
    assert f'src="{src}"' in html and "<img" in html and "alt=" in html


@pytest.mark.parametrize("text", [
    "![x](javascript:alert(1))",
    "![x](JaVaScRiPt:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](//evil.example/a.png)",
    "![x](/media/1/../../admin)",
    "![x](/admin/users)",
    "![x](mailto:a@example.org)",
    '<img src="java&#115;cript:alert(1)">',
    '<img src="x" onerror="alert(1)">',
    "![x](vbscript:msgbox(1))",
])
def test_other_image_sources_are_dropped(text):
    html = render_markdown(text)
    assert "src=" not in html
    assert "onerror" not in html and "javascript" not in html.lower()


def test_image_keeps_only_harmless_attributes():
    html = render_markdown('<img src="/media/3" alt="板书" title="t" onload="x()" style="a:b">')
    assert html == '<p><img src="/media/3" alt="板书" title="t"></p>'
