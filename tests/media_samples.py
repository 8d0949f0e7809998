"""Small sample files for media tests (magic bytes are what the upload check reads)."""

from __future__ import annotations

import io
from pathlib import Path

from hplearn.media import services

DATA = Path(__file__).resolve().parent / "data"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       + b"\x00" * 64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PHP = b"<?php system($_GET['c']); ?>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n同学们好\n\n00:00:05.000 --> 00:00:10.000\n今天学习国家安全\n"
SRT = "1\r\n00:00:00,000 --> 00:00:02,500\r\n第一句\r\n\r\n2\r\n00:00:02,500 --> 00:00:05,000\r\n第二句\r\n"


def webm() -> bytes:
    """A real 20-second VP8 WebM (64x48), made with ffmpeg."""
    return (DATA / "tiny.webm").read_bytes()


def store(admin, kind: str, data: bytes, name: str = "file.bin"):
    """Store a file as this admin through the real upload service."""
    return services.store_upload(admin, io.BytesIO(data), name, kind)
