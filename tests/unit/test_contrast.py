"""The colours in static/css/site.css meet WCAG AA contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()
WHITE = "#ffffff"


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", CSS).group(1)
    return {name: value.lower() for name, value in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root)}


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


COLOURS = _variables()
# (text colour, background colour): every pair the stylesheet puts together.
TEXT_PAIRS = [
    ("fg", "bg"), ("fg", "soft"), ("muted", "bg"), ("muted", "soft"), ("accent", "bg"),
    ("accent", "soft"), ("accent-dark", "bg"), ("bad", "bg"), ("bad", "soft"), ("warn", "bg"),
    ("warn", "soft"), ("ok", "bg"),
]


@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_text_colours_reach_aa(text, background):
    assert contrast(COLOURS[text], COLOURS[background]) >= 4.5


@pytest.mark.parametrize("background", ["accent", "accent-dark"])
def test_white_on_buttons_and_header_reaches_aa(background):
    assert contrast(WHITE, COLOURS[background]) >= 4.5


def test_focus_outline_is_visible_on_page_and_header():
    assert re.search(r":focus-visible\s*{[^}]*outline:\s*3px solid var\(--fg\)", CSS)
    assert re.search(r"\.site-header :focus-visible\s*{\s*outline-color:\s*#fff", CSS)
    for background in ("bg", "soft"):
        assert contrast(COLOURS["fg"], COLOURS[background]) >= 3
    assert contrast(WHITE, COLOURS["accent"]) >= 3


def test_form_control_borders_are_visible():
    border = re.search(r"input, select, textarea {[^}]*border: 1px solid (#[0-9a-f]{6})", CSS).group(1)
    assert contrast(border, COLOURS["bg"]) >= 3


def test_placeholder_text_uses_an_aa_colour():
    # Browsers' default placeholder grey (#a9a9a9) is about 2.3:1 on white.
    assert re.search(r"::placeholder\s*{\s*color:\s*var\(--muted\);\s*opacity:\s*1;", CSS)
