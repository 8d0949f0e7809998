"""Caption conversion and safe names, without a database."""

import pytest

from hplearn.media.captions import InvalidCaptions, to_webvtt
from hplearn.media.services import display_name
from hplearn.media.views import content_disposition


def test_srt_becomes_webvtt():
    srt = "1\n00:00:01,000 --> 00:00:02,000\n你好\n世界\n\n2\n00:00:03,500 --> 00:00:04,000\n再见\n"
    assert to_webvtt(srt.encode()) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n你好\n世界\n\n"
        "00:00:03.500 --> 00:00:04.000\n再见\n"
    ).encode()


def test_webvtt_with_bom_and_crlf_is_normalised():
    vtt = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000 align:start\r\n好\r\n"
    assert to_webvtt(vtt.encode()) == b"WEBVTT\n\n00:01.000 --> 00:02.000 align:start\n" + "好\n".encode()


@pytest.mark.parametrize("data", [
    b"", b"\xff\xfe\x00W", b"WEBVTT\n\nhello\n", b"WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n",
    b"1\n00:00:01 --> 00:00:02\nx\n", b"just some text", b"WEBVTT\n\n00:01.000 --> 00:02.000\x00\n",
])
def test_invalid_captions(data):
    with pytest.raises(InvalidCaptions):
        to_webvtt(data)


@pytest.mark.parametrize(("client_name", "expected"), [
    ("国家安全教育日.MP4", "国家安全教育日.mp4"),
    ("../../etc/passwd", "passwd.mp4"),
    ("C:\\Users\\老师\\课件.webm", "课件.mp4"),
    ("a\x00b\r\n.mp4", "ab.mp4"),
    ("", "media.mp4"),
    ("...", "media.mp4"),
    ('say "hi"; rm.mp4', "say hi rm.mp4"),
    ("长" * 300 + ".mp4", "长" * 100 + ".mp4"),
])
def test_display_names_are_safe(client_name, expected):
    assert display_name(client_name, "mp4") == expected


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    value = content_disposition("国家安全 教育日.webm", attachment=True)
    assert value == (
        "attachment; filename=\"download.webm\"; "
        "filename*=UTF-8''%E5%9B%BD%E5%AE%B6%E5%AE%89%E5%85%A8%20%E6%95%99%E8%82%B2%E6%97%A5.webm"
    )
    assert content_disposition("lesson-1.pdf", attachment=False).startswith(
        'inline; filename="lesson-1.pdf"'
    )
