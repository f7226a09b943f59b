"""The demo assets' manuals and photos, drawn by code (no downloaded files): a short bilingual operating
manual per asset type as PDF (reportlab, the built-in STSong-Light font for Chinese) and a "photo" per asset
type as PNG (Pillow: the machine as blocks on a shop-floor background, its name on a nameplate)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from gongdan.assets.documents import asset_document_add
from gongdan.assets.models import Asset, AssetDocument, AssetType
from gongdan.core.uploads import IncomingFile

COLOURS = ["#206bc4", "#2fb344", "#f76707", "#ae3ec9", "#d63939", "#0ca678", "#4263eb", "#f59f00"]

SECTIONS = [
    (
        "1 安全 Safety",
        "检修前断电、泄压并挂牌上锁。Isolate power, release pressure and lock out before any work.",
    ),
    (
        "2 日常检查 Daily checks",
        "检查油位、异响、泄漏和仪表读数。Check oil level, noise, leaks and gauge readings.",
    ),
    (
        "3 定期保养 Scheduled service",
        "按保养计划更换滤芯和润滑油。Replace filters and lubricant as the plan says.",
    ),
    (
        "4 故障处理 Faults",
        "记录现象并扫码报修。Note what you see and report it by scanning the asset's label.",
    ),
]


def manual_pdf(asset_type: AssetType) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    out = io.BytesIO()
    title = f"{asset_type.name} {asset_type.name_en} — 操作手册 Operating manual"
    document = SimpleDocTemplate(out, pagesize=A4, title=title, author="Gongdan demo")
    story: list[Any] = [Paragraph(title, styles["Title"]), Spacer(1, 12)]
    for heading, text in SECTIONS:
        story += [Paragraph(heading, styles["Heading2"]), Paragraph(text, styles["Normal"]), Spacer(1, 8)]
    document.build(story)
    return out.getvalue()


def photo_png(asset_type: AssetType, index: int) -> bytes:
    colour = COLOURS[index % len(COLOURS)]
    image = Image.new("RGB", (960, 720), "#dfe4ea")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 520, 960, 720), fill="#9aa5b1")  # the floor
    for x in range(0, 960, 120):
        draw.line((x, 520, x - 80, 720), fill="#8a95a1", width=2)
    draw.rounded_rectangle((200, 240, 700, 540), radius=24, fill=colour, outline="#1d273b", width=6)  # body
    draw.rectangle((700, 330, 800, 520), fill="#495057", outline="#1d273b", width=4)  # motor
    draw.ellipse((250, 150, 410, 310), fill="#adb5bd", outline="#1d273b", width=6)  # tank / drum
    draw.rectangle((260, 300, 640, 340), fill="#f8f9fa", outline="#1d273b", width=3)  # nameplate
    draw.text((276, 310), f"{asset_type.code.upper()}  ·  GONGDAN DEMO", fill="#1d273b")
    for n in range(4):
        draw.ellipse((240 + n * 120, 420, 300 + n * 120, 480), fill="#ced4da", outline="#1d273b", width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def attach_documents(assets: list[Asset]) -> int:
    """A manual and a photo on every demo asset that has no document yet. Returns how many were added."""
    manuals: dict[int, bytes] = {}
    photos: dict[int, bytes] = {}
    done = set(AssetDocument.objects.filter(asset__in=assets).values_list("asset_id", flat=True))
    added = 0
    for asset in assets:
        if asset.pk in done:
            continue
        kind = asset.asset_type
        if kind.pk not in manuals:
            manuals[kind.pk] = manual_pdf(kind)
            photos[kind.pk] = photo_png(kind, len(photos))
        asset_document_add(actor=None, asset=asset, kind="manual", title=f"{kind.name}操作手册 {kind.name_en} manual",
                           incoming=IncomingFile(f"{kind.code}-manual.pdf", manuals[kind.pk]))  # fmt: skip
        asset_document_add(actor=None, asset=asset, kind="photo", title=f"{asset.code} 现场照片 on site",
                           incoming=IncomingFile(f"{asset.code}.png", photos[kind.pk]))  # fmt: skip
        added += 2
    return added
