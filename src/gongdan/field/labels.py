"""Printable QR label sheets for locations: A4 pages of 3 × 4 labels, as PDF or PNG (segno + Pillow).

Two kinds of label:
- "technician": the code opens the place in the field app (/m/locations/<id>/) — its open jobs, and a
  "new ticket here" button;
- "report": the public "report a problem here" code for a wall or a door (物业报修); it opens the
  requester portal's form with the place filled in (/portal/new/?location=<id>).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from gongdan.assets.models import Asset, Location

if TYPE_CHECKING:  # segno and Pillow load with the first label drawn, not at every start (decision 0176)
    from PIL import Image, ImageDraw, ImageFont

KINDS = ("technician", "report")
FORMATS = ("pdf", "png")
MAX_LABELS = 240
DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
COLUMNS, ROWS = 3, 4
MARGIN = 60
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
REPORT_CAPTION = "扫码报修 · Scan to report a problem"
TECHNICIAN_CAPTION = "工单 Gongdan"


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def label_url(location: Location, kind: str) -> str:
    if kind == "report":
        return f"{site_url()}/portal/new/?location={location.pk}"
    return f"{site_url()}{reverse('field:location', args=[location.pk])}"


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font that has Chinese glyphs when the machine has one (GONGDAN_LABEL_FONT names another)."""
    from PIL import ImageFont

    for path in (os.environ.get("GONGDAN_LABEL_FONT", ""), *FONT_CANDIDATES):
        if path and os.path.exists(path):
            try:
                # Noto's CJK collection: face 2 is Simplified Chinese.
                return ImageFont.truetype(path, size, index=2 if path.endswith("CJK-Regular.ttc") else 0)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, size: int, width: int
) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """Shrink the font (down to 60 %), then cut the text with an ellipsis, until it fits the label."""
    for step in (size, int(size * 0.85), int(size * 0.7), int(size * 0.6)):
        font = _font(step)
        if draw.textlength(text, font=font) <= width:
            return text, font
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…", font


def _label(location: Location, kind: str, size: tuple[int, int]) -> Image.Image:
    caption = REPORT_CAPTION if kind == "report" else TECHNICIAN_CAPTION
    if location.code:
        caption = f"{location.code} · {caption}"
    return _draw(label_url(location, kind), location.full_name or location.name, caption, size)


def asset_label_url(asset: Asset) -> str:
    """The asset's code URL: staff land on the asset page, anyone else on "report a problem with it"."""
    return f"{site_url()}{reverse('assets:asset_scan', args=[asset.code])}"


ASSET_LABEL = (600, 760)


def asset_label_png(asset: Asset) -> bytes:
    """One label for the asset's plate, at 150 dpi (about 10 × 13 cm)."""
    caption = f"{asset.code} · {REPORT_CAPTION}"
    label = _draw(asset_label_url(asset), asset.name, caption, ASSET_LABEL)
    buffer = io.BytesIO()
    label.save(buffer, format="PNG", optimize=True, dpi=(DPI, DPI))
    return buffer.getvalue()


def _draw(url: str, title: str, caption: str, size: tuple[int, int]) -> Image.Image:
    import segno
    from PIL import Image, ImageDraw

    width, height = size
    label = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(label)
    draw.rounded_rectangle((2, 2, width - 3, height - 3), radius=16, outline=(180, 186, 194), width=2)
    qr = segno.make(url, error="m")
    room = min(width - 80, height - 150)
    modules = qr.symbol_size(scale=1, border=2)[0]
    buffer = io.BytesIO()
    # Whole pixels per module: every module the same size, so a cheap phone camera reads it.
    qr.save(buffer, kind="png", scale=max(1, room // modules), border=2)
    buffer.seek(0)
    code_image = Image.open(buffer).convert("RGB")
    side = code_image.width
    label.paste(code_image, ((width - side) // 2, 20 + (room - side) // 2))
    side = room
    inner = width - 40
    y = 30 + side
    name, font = _fit(draw, title, 30, inner)
    draw.text((width // 2, y), name, font=font, fill=(24, 36, 51), anchor="ma")
    caption, font = _fit(draw, caption, 22, inner)
    draw.text((width // 2, y + 44), caption, font=font, fill=(97, 104, 118), anchor="ma")
    return label


def label_pages(locations: Sequence[Location], kind: str) -> list[Image.Image]:
    from PIL import Image

    cell = ((PAGE[0] - 2 * MARGIN) // COLUMNS, (PAGE[1] - 2 * MARGIN) // ROWS)
    per_page = COLUMNS * ROWS
    pages = []
    for start in range(0, max(len(locations), 1), per_page):
        page = Image.new("RGB", PAGE, "white")
        for index, location in enumerate(locations[start : start + per_page]):
            column, row = index % COLUMNS, index // COLUMNS
            label = _label(location, kind, (cell[0] - 20, cell[1] - 20))
            page.paste(label, (MARGIN + column * cell[0] + 10, MARGIN + row * cell[1] + 10))
        pages.append(page)
    return pages


def label_sheet(locations: Sequence[Location], *, kind: str, fmt: str) -> bytes:
    """The sheet as PDF (every page) or PNG (the first page: one page holds 12 labels)."""
    pages = label_pages(locations, kind)
    buffer = io.BytesIO()
    if fmt == "pdf":
        pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=DPI)
    else:
        pages[0].save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
