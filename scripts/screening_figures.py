"""Recall and false-alarm rate of the screening on the labelled sets in tests/data/.

    python scripts/screening_figures.py          (no database or app needed)
    python scripts/screening_figures.py --cv     (the model's cross-validated figures only)

Distress/safeguarding: per set, the development set tests/data/screening_signs.yaml (tuned on,
asserted by the tests) and each held-out set tests/data/screening_signs_heldout*.yaml it finds (written
before tuning, measured once, not asserted), then the time per text; personal information:
tests/data/screening_personal.yaml. docs/benchmarks.md records the figures.

--cv: recall and false alarms of the rules alone, the trained model alone and both, per lane, by
cross-validation over the development and training sets (scripts/train_screening.py; the held-out
sets are not read), then the time per text over those sets.

--measure FILE...: for labelled files kept outside tests/data/ (a blind set, a new training batch
before it is added), recall and false alarms per lane of the rules alone, the model alone and both.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hplearn.screening import find_personal_information  # noqa: E402
from hplearn.screening.signs import distress_signs, safeguarding_signs  # noqa: E402

DATA = ROOT / "tests" / "data"


def sign_lanes(text: str) -> set[str]:
    """The lanes a text enters: distress, safeguarding, both or none."""
    lanes = set()
    if distress_signs(text):
        lanes.add("distress")
    if safeguarding_signs(text):
        lanes.add("safeguarding")
    return lanes


def signs_cases(name: str = "screening_signs.yaml") -> list[tuple[str, str]]:
    """(text, expected lane or 'benign') for every labelled phrasing, known ones included."""
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    cases = [(text, lane) for lane in ("distress", "safeguarding", "benign") for text in data[lane]]
    return cases + [(item["text"], item["expect"]) for item in data.get("known") or ()]


def personal_cases() -> list[tuple[str, str]]:
    """(text, expected finding kind or 'benign') for every labelled phrasing, known ones included."""
    data = yaml.safe_load((DATA / "screening_personal.yaml").read_text(encoding="utf-8"))
    cases = [(item["text"], item["kind"]) for item in data["positive"]]
    cases += [(text, "benign") for text in data["benign"]]
    return cases + [(item["text"], item["expect"]) for item in data.get("known") or ()]


def _report(name: str, cases, caught) -> None:
    positives = [text for text, label in cases if label != "benign"]
    benign = [text for text, label in cases if label == "benign"]
    hits = [text for text, label in cases if label != "benign" and caught(text, label)]
    alarms = [text for text in benign if caught(text, None)]
    print(f"{name}: recall {len(hits)}/{len(positives)} = {len(hits) / len(positives):.1%}, "
          f"false alarms {len(alarms)}/{len(benign)} = {len(alarms) / len(benign):.1%}")
    for text in sorted(set(positives) - set(hits)):
        print(f"  missed: {text}")
    for text in alarms:
        print(f"  false alarm: {text}")


def _report_signs(title: str, signs) -> None:
    _report(f"{title}distress + safeguarding", signs,
            lambda text, lane: (lane in sign_lanes(text)) if lane else bool(sign_lanes(text)))
    for lane in ("distress", "safeguarding"):
        subset = [(t, label) for t, label in signs if label in (lane, "benign")]
        _report(f"  {lane}", subset, lambda text, want, lane=lane: lane in sign_lanes(text))


def signs_sets() -> list[tuple[str, str]]:
    """(title, file name) of the development set and of every held-out set, in that order."""
    heldout = sorted(path.name for path in DATA.glob("screening_signs_heldout*.yaml"))
    return [("development ", "screening_signs.yaml")] + [
        (f"held-out {name.removeprefix('screening_signs_heldout').removesuffix('.yaml').strip('_') or '1'} ",
         name) for name in heldout]


def time_per_text(texts: list[str], rounds: int = 3) -> float:
    """Microseconds to screen one text for both lanes (best of rounds, each text new to the cache)."""
    best = float("inf")
    for round_ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            sign_lanes(text + " " * (round_ + 1))
        best = min(best, (time.perf_counter() - started) / len(texts))
    return best * 1e6


def cv_figures() -> None:
    """Print the cross-validated figures of rules, model and both, and the time per text."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_screening  # a script beside this one
    train_screening.main(["--cv-only"])
    texts = [text for text, _, _ in train_screening.load_cases()]
    sign_lanes("warm up")
    print(f"time per text (both lanes, {len(texts)} texts): {time_per_text(texts):.0f} µs")


def measure(paths: list[Path]) -> None:
    """Print, per file and lane, the rules alone, the model alone and rules or model."""
    from hplearn.screening.model import model_sign
    ways = {"rules": lambda text, lane: bool(RULES[lane](text, model=False)),
            "model": lambda text, lane: bool(model_sign(text, lane)),
            "rules or model": lambda text, lane: bool(RULES[lane](text))}
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        benign = data.get("benign") or []
        print(f"{path}:")
        for lane in RULES:
            positives = data.get(lane) or []
            parts = []
            for how, caught in ways.items():
                hits = sum(caught(text, lane) for text in positives)
                alarms = sum(caught(text, lane) for text in benign)
                parts.append(f"{how} {hits}/{len(positives)} = {hits / max(len(positives), 1):.1%}, "
                             f"false alarms {alarms}/{len(benign)} = {alarms / max(len(benign), 1):.1%}")
            print(f"  {lane}: " + " | ".join(parts))
        _report_signs("  ", [(text, lane) for lane in (*RULES, "benign") for text in data.get(lane) or ()])


RULES = {"distress": distress_signs, "safeguarding": safeguarding_signs}


def main(argv=None) -> None:
    """Print the figures for each labelled set (or, with --cv, the model's cross-validation)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cv", action="store_true", help="cross-validated figures of the model only")
    parser.add_argument("--measure", nargs="+", type=Path, metavar="FILE",
                        help="labelled files outside tests/data/: rules, model and both per lane")
    args = parser.parse_args(argv)
    if args.cv:
        cv_figures()
        return
    if args.measure:
        measure(args.measure)
        return
    texts = []
    for title, name in signs_sets():
        cases = signs_cases(name)
        _report_signs(title, cases)
        texts += [text for text, _ in cases]
    sign_lanes("warm up")
    print(f"time per text (both lanes, {len(texts)} texts): {time_per_text(texts):.0f} µs")
    personal = personal_cases()
    kinds = lambda text: {f.kind for f in find_personal_information(text)}  # noqa: E731
    _report("personal information", personal,
            lambda text, kind: (kind in kinds(text)) if kind else bool(kinds(text)))


if __name__ == "__main__":
    main()
