"""Caption files: check WebVTT, convert SRT to WebVTT. Text only, UTF-8."""

from __future__ import annotations

import re

_TIMESTAMP = r"(?:\d{1,2}:)?[0-5]\d:[0-5]\d[.,]\d{3}"
_VTT_TIMING = re.compile(rf"^{_TIMESTAMP} --> {_TIMESTAMP}(?: .*)?$")
_SRT_TIMING = re.compile(
    r"^(\d{1,2}:[0-5]\d:[0-5]\d),(\d{3}) ?--> ?(\d{1,2}:[0-5]\d:[0-5]\d),(\d{3})(?: .*)?$"
)


class InvalidCaptions(ValueError):
    """The file is neither a valid WebVTT nor SRT file; its message is shown to the user."""


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidCaptions("字幕文件必须是 UTF-8 编码的文本。") from error
    if "\x00" in text:
        raise InvalidCaptions("字幕文件里有不允许的字符。")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_vtt(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    if first_line != "WEBVTT" and not first_line.startswith(("WEBVTT ", "WEBVTT\t")):
        raise InvalidCaptions("WebVTT 文件必须以 WEBVTT 开头。")
    timings = [line for line in text.split("\n") if "-->" in line]
    if not timings:
        raise InvalidCaptions("字幕文件里没有字幕条目。")
    for line in timings:
        if not _VTT_TIMING.match(line.strip()):
            raise InvalidCaptions(f"字幕时间格式不正确：{line.strip()[:60]}")
    return text if text.endswith("\n") else text + "\n"


def _srt_to_vtt(text: str) -> str:
    cues = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        if lines and lines[0].strip().isdecimal():
            lines = lines[1:]
        if not lines:
            continue
        timing = _SRT_TIMING.match(lines[0].strip())
        if timing is None:
            raise InvalidCaptions(f"SRT 字幕时间格式不正确：{lines[0].strip()[:60]}")
        start, start_ms, end, end_ms = timing.groups()
        body = "\n".join(line for line in lines[1:] if "-->" not in line)
        cues.append(f"{start}.{start_ms} --> {end}.{end_ms}\n{body}".rstrip("\n"))
    if not cues:
        raise InvalidCaptions("字幕文件里没有字幕条目。")
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def to_webvtt(data: bytes) -> bytes:
    """Return the captions as WebVTT bytes; raise InvalidCaptions for anything else."""
    text = _decode(data)
    if text.startswith("WEBVTT"):
        return _check_vtt(text).encode("utf-8")
    return _srt_to_vtt(text).encode("utf-8")
