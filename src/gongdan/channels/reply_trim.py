"""Cutting a reply down to what the person wrote: quoted history and signatures go.

Mail clients mark the start of the quoted mail in many ways; we cut at the first line that looks like one
of them (English, Chinese and Japanese clients), drop ``>``-quoted lines and cut at the signature
delimiter ``-- `` or a "sent from my phone" line. When cutting would leave nothing, the text is kept whole.
"""

from __future__ import annotations

import re

_HISTORY_STARTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^On\b.{0,200}\bwrote:\s*$",  # Gmail, Apple Mail, Thunderbird
        r"^.{0,200}\b(?:wrote|writes):\s*$",
        r"^在.{0,200}写道[:：]\s*$",  # Chinese Gmail / Apple Mail
        r"^.{0,200}於.{0,200}寫道[:：]\s*$",
        r"^-{2,}\s*(?:Original Message|Forwarded message|原始邮件|原始郵件|転送メッセージ|元のメッセージ)\s*-{2,}\s*$",
        r"^_{10,}\s*$",  # Outlook's rule above the quoted headers
        r"^(?:From|发件人|寄件者|差出人)\s*[:：].{1,300}$",  # Outlook / Foxmail quoted header block
        r"^\d{4}[-/年].{0,40}\s.{0,120}<[^>]+@[^>]+>.{0,20}[:：]\s*$",  # 2026年11月27日 … <a@b> 写道:
    )
]
_SIGNATURE_STARTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^-- ?$",
        r"^Sent from my \w+",
        r"^Get Outlook for \w+",
        r"^发自我的\s?\w+",
        r"^从我的\s?\w+发送",
        r"^iPhoneから送信",
    )
]


def trim_reply(text: str) -> str:
    lines = (text or "").replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if any(p.match(stripped) for p in _HISTORY_STARTS) or any(
            p.match(stripped) for p in _SIGNATURE_STARTS
        ):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    trimmed = "\n".join(kept).strip()
    trimmed = re.sub(r"\n{3,}", "\n\n", trimmed)
    return trimmed or (text or "").strip()
