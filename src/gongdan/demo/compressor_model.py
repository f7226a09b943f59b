"""The demo's 3D air compressor, drawn by our own code from boxes and cylinders (no downloaded assets). Its
node names are where hotspots sit: `airend` (discharge temperature), `tank` (outlet pressure), `motor`
(running hours), `cooler`, `panel`, `skid`. `scripts/make_compressor_glb.py` writes it to a file."""

from __future__ import annotations

from gongdan.meters.glb import Part, glb_write

BLUE = (0.16, 0.36, 0.62)
GREY = (0.55, 0.57, 0.6)
DARK = (0.2, 0.22, 0.25)
GREEN = (0.2, 0.5, 0.35)


def compressor_glb() -> bytes:
    return glb_write([
        Part("skid", "box", (2.4, 0.12, 1.2), (0, 0.06, 0), DARK),
        Part("tank", "cylinder", (0.35, 1.6, 0), (0, 0.5, -0.3), GREY, lying=True),
        Part("motor", "cylinder", (0.28, 0.7, 0), (-0.6, 0.45, 0.35), BLUE, lying=True),
        Part("airend", "box", (0.55, 0.45, 0.45), (0.2, 0.45, 0.35), BLUE),
        Part("cooler", "box", (0.5, 0.8, 0.1), (0.9, 0.55, 0.35), GREEN),
        Part("panel", "box", (0.35, 0.6, 0.2), (-1.05, 0.42, -0.2), DARK),
    ])  # fmt: skip
