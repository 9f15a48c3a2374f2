"""Regenerate ``NotoSansSC-zhiliang.ttf``: a subset of Noto Sans CJK SC (SIL OFL 1.1, see ``OFL.txt``) for the
Chinese labels of the tqm charts' PNG and PDF renderings. Development-time tool, never imported by the package.

    apt-get install fonts-noto-cjk && pip install fonttools
    python src/zhiliang/tqm/data/fonts/regenerate.py

Keeps ASCII, Latin-1, general and CJK punctuation, the Greek letters and symbols of SPC (σ μ ≤ ≥ ± x̄), the 3,755
level-1 hanzi of GB 2312 (the common characters: enterprise and characteristic names mostly fall within them) and
every character of the labels written in ``zhiliang.tqm`` (``render.py``, ``report.py``). The CFF outlines are
converted to TrueType (quadratic) outlines, because matplotlib embeds TrueType (Type 42) fonts in PDF; hinting and
layout features are dropped. A character outside the subset renders as an empty box; the SVG output keeps text as
text, so a browser draws it with its own fonts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = "Noto Sans CJK SC"
HERE = Path(__file__).resolve().parent
OUT = HERE / "NotoSansSC-zhiliang.ttf"
LABEL_SOURCES = [HERE.parents[1] / name for name in ("render.py", "report.py")]
SYMBOLS = "σμ≤≥±×÷−–—…·•°‰％％∑√∞≈≠→←↑↓̄x̄ⅡⅢⅠ"


def gb2312_level1() -> str:
    """The level-1 hanzi of GB 2312: rows 16–55 (lead bytes 0xB0–0xD7), 94 cells each (row 55 has 89)."""
    out = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                out.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


def characters() -> str:
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA0, 0x100))
    text += "".join(chr(c) for c in range(0x3000, 0x3040)) + "".join(chr(c) for c in range(0xFF01, 0xFF5F))
    text += SYMBOLS + gb2312_level1()
    for source in LABEL_SOURCES:
        text += "".join(re.findall(r"[^\x00-\x7f]", source.read_text(encoding="utf-8")))
    return "".join(sorted(set(text)))


def to_truetype(font) -> None:  # noqa: ANN001 - fontTools objects
    """CFF → glyf with cubic-to-quadratic conversion (fontTools' Snippets/otf2ttf.py, simplified)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    del font["CFF "]
    for table in ("VORG", "vhea", "vmtx"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> int:
    faces = [f for f in TTCollection(str(SOURCE)).fonts if f["name"].getDebugName(1) == FACE]
    if not faces:
        print(f"{FACE} not found in {SOURCE}", file=sys.stderr)
        return 1
    font = faces[0]
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    to_truetype(font)
    font.save(str(OUT))
    print(f"{OUT.name}: {len(font.getGlyphOrder())} glyphs, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
