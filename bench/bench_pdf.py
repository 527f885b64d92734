"""The follow-up document with 10 goals vs a bare 3-page reportlab document, in one run.
Run: python -m bench.bench_pdf"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bench.common import median_ms

if TYPE_CHECKING:
    from documents.followup import DocumentInput

EXAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "example.yaml"
RUNS = 15


def bare_three_pages() -> bytes:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate

    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    story: list[Flowable] = []
    for page in range(3):
        story += [Paragraph(f"Sida {page + 1}", styles["Heading1"])]
        story += [Paragraph("Lorem ipsum dolor sit amet. " * 20, styles["BodyText"]) for _ in range(6)]
        story.append(PageBreak())
    SimpleDocTemplate(buf, invariant=1).build(story[:-1])
    return buf.getvalue()


def ten_goal_input() -> DocumentInput:
    from documents.followup import DocumentInput
    from interview.casefile import load_text, parse_casefile

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["plan"]["goals"] = [
        {
            "id": f"g{i}",
            "text": f"Mål {i}: klara en vardaglig uppgift på egen hand",
            "life_area": "d6",
            "scale": "icf" if i % 2 else "gas",
            **({"baseline": 3, "target": 1} if i % 2 else {}),
        }
        for i in range(1, 11)
    ]
    data["followup"]["goals"] = {
        f"g{i}": {"attainment": "partly_achieved", "level": 2 if i % 2 else 0, "comment": "Går framåt."}
        for i in range(1, 11)
    }
    cf = parse_casefile(load_text(yaml.safe_dump(data, allow_unicode=True)))
    return DocumentInput(cf.client, cf.followup, cf.form, organisation="Exempelby kommun")


def main() -> int:
    from documents.followup import render

    doc = ten_goal_input()
    render(doc)  # fonts registered and parsed once, as in a running app
    bare_three_pages()
    bare = median_ms(lambda i: bare_three_pages(), RUNS)
    ours = median_ms(lambda i: render(doc), RUNS)
    ratio = ours / bare
    print(f"{'what':48} {'median ms':>10} {'× floor':>8}")
    print(f"{'floor: bare 3-page reportlab document':48} {bare:10.1f} {1.0:8.2f}")
    print(f"{'follow-up document, 10 goals':48} {ours:10.1f} {ratio:8.2f}")
    print("budget (≤ 3× floor):", "met" if ratio <= 3 else "NOT met")
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
