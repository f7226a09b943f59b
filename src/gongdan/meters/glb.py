"""Reading and writing the binary glTF (GLB) files of assets' 3D models (decision 0143).

`glb_check` is what an upload must pass beyond the attachment checks: a GLB 2.0 container whose declared
length is the file's, with a JSON chunk, no external or data URIs (everything embedded, nothing fetched),
and named nodes whose positions it returns (hotspots sit on them). `glb_write` builds a file from boxes and
cylinders: the demo's compressor is drawn with it (gongdan.demo.compressor_model)."""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from gongdan.core.domain_errors import ValidationFailed

MAGIC = b"glTF"
JSON_CHUNK = 0x4E4F534A
BIN_CHUNK = 0x004E4942
MAX_NODES = 2000


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="model_invalid", details={"file": [message]})


def glb_check(content: bytes) -> dict[str, list[float]]:
    """Node name → its position in the model (the translations along its parents). Raises ValidationFailed."""
    if len(content) < 20 or content[:4] != MAGIC:
        raise _refuse(_("Not a binary glTF (.glb) file."))
    version, length = struct.unpack_from("<II", content, 4)
    if version != 2 or length != len(content):
        raise _refuse(_("Only glTF 2.0 binary files whose length matches their header are accepted."))
    chunk_length, chunk_type = struct.unpack_from("<II", content, 12)
    if chunk_type != JSON_CHUNK or 20 + chunk_length > len(content):
        raise _refuse(_("The file's JSON part is missing or cut short."))
    try:
        document = json.loads(content[20 : 20 + chunk_length])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _refuse(_("The file's JSON part is not valid JSON.")) from None
    if not isinstance(document, dict) or str((document.get("asset") or {}).get("version", ""))[:1] != "2":
        raise _refuse(_("Only glTF 2.0 binary files whose length matches their header are accepted."))
    for key in ("buffers", "images"):
        for item in document.get(key) or []:
            if isinstance(item, dict) and "uri" in item:
                raise _refuse(_("The model must embed everything it needs (no external or data URIs)."))
    nodes = document.get("nodes") or []
    if not isinstance(nodes, list) or len(nodes) > MAX_NODES:
        raise _refuse(_("The model has too many nodes."))
    return _node_positions(nodes)


def _node_positions(nodes: list[Any]) -> dict[str, list[float]]:
    parents: dict[int, int] = {}
    for index, node in enumerate(nodes):
        for child in (node.get("children") or []) if isinstance(node, dict) else []:
            if isinstance(child, int) and 0 <= child < len(nodes):
                parents[child] = index
    positions: dict[str, list[float]] = {}
    for index, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("name"), str):
            continue
        total = [0.0, 0.0, 0.0]
        seen: set[int] = set()
        at: int | None = index
        while at is not None and at not in seen:
            seen.add(at)
            move = nodes[at].get("translation") if isinstance(nodes[at], dict) else None
            if isinstance(move, list) and len(move) == 3 and all(isinstance(v, int | float) for v in move):
                total = [total[i] + float(move[i]) for i in range(3)]
            at = parents.get(at)
        positions[node["name"][:60]] = [round(v, 4) for v in total]
    return positions


# ---- writing -------------------------------------------------------------------------------------------
@dataclass
class Part:
    """One named node: a box (size x, y, z) or a cylinder (radius, height; along y, or x when `lying`)."""

    name: str
    shape: str
    size: tuple[float, float, float]
    at: tuple[float, float, float]
    colour: tuple[float, float, float]
    lying: bool = False
    positions: list[float] = field(default_factory=list)
    normals: list[float] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)


def _box(part: Part) -> None:
    sx, sy, sz = (s / 2 for s in part.size)
    faces = [((1, 0, 0), [(sx, -sy, -sz), (sx, sy, -sz), (sx, sy, sz), (sx, -sy, sz)]),
             ((-1, 0, 0), [(-sx, -sy, sz), (-sx, sy, sz), (-sx, sy, -sz), (-sx, -sy, -sz)]),
             ((0, 1, 0), [(-sx, sy, -sz), (-sx, sy, sz), (sx, sy, sz), (sx, sy, -sz)]),
             ((0, -1, 0), [(-sx, -sy, sz), (-sx, -sy, -sz), (sx, -sy, -sz), (sx, -sy, sz)]),
             ((0, 0, 1), [(sx, -sy, sz), (sx, sy, sz), (-sx, sy, sz), (-sx, -sy, sz)]),
             ((0, 0, -1), [(-sx, -sy, -sz), (-sx, sy, -sz), (sx, sy, -sz), (sx, -sy, -sz)])]  # fmt: skip
    for normal, corners in faces:
        base = len(part.positions) // 3
        for corner in corners:
            part.positions += corner
            part.normals += normal
        part.indices += [base, base + 1, base + 2, base, base + 2, base + 3]


def _cylinder(part: Part, segments: int = 24) -> None:
    radius, height = part.size[0], part.size[1]

    def place(x: float, y: float, z: float) -> tuple[float, float, float]:
        return (y, x, z) if part.lying else (x, y, z)

    for i in range(segments):  # the side: two triangles per segment
        a0, a1 = 2 * math.pi * i / segments, 2 * math.pi * (i + 1) / segments
        base = len(part.positions) // 3
        for angle, y in ((a0, -height / 2), (a0, height / 2), (a1, height / 2), (a1, -height / 2)):
            part.positions += place(radius * math.cos(angle), y, radius * math.sin(angle))
            part.normals += place(math.cos(angle), 0, math.sin(angle))
        part.indices += [base, base + 2, base + 1, base, base + 3, base + 2]
    for y, up in ((height / 2, 1.0), (-height / 2, -1.0)):  # the caps
        centre = len(part.positions) // 3
        part.positions += place(0, y, 0)
        part.normals += place(0, up, 0)
        for i in range(segments + 1):
            angle = 2 * math.pi * i / segments
            part.positions += place(radius * math.cos(angle), y, radius * math.sin(angle))
            part.normals += place(0, up, 0)
        for i in range(segments):
            a, b = centre + 1 + i, centre + 2 + i
            part.indices += [centre, b, a] if up > 0 else [centre, a, b]


def glb_write(parts: list[Part]) -> bytes:
    """A GLB with one node, mesh and material (named like the node) per part, under one root node."""
    binary = bytearray()
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []
    meshes, materials, nodes = [], [], []
    for index, part in enumerate(parts):
        (_box if part.shape == "box" else _cylinder)(part)
        count = len(part.positions) // 3
        xs, ys, zs = part.positions[0::3], part.positions[1::3], part.positions[2::3]
        for kind, values, fmt, target in (("POSITION", part.positions, "f", 34962),
                                          ("NORMAL", part.normals, "f", 34962),
                                          ("INDICES", part.indices, "H", 34963)):  # fmt: skip
            data = struct.pack(f"<{len(values)}{fmt}", *values)
            views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(data), "target": target})
            binary += data + b"\0" * (-len(data) % 4)
            accessor: dict[str, Any] = {"bufferView": len(views) - 1,
                                        "componentType": 5126 if fmt == "f" else 5123,
                                        "count": len(values) if kind == "INDICES" else count,
                                        "type": "SCALAR" if kind == "INDICES" else "VEC3"}  # fmt: skip
            if kind == "POSITION":
                accessor["min"] = [min(xs), min(ys), min(zs)]
                accessor["max"] = [max(xs), max(ys), max(zs)]
            accessors.append(accessor)
        first = len(accessors) - 3
        meshes.append(
            {
                "name": part.name,
                "primitives": [
                    {
                        "attributes": {"POSITION": first, "NORMAL": first + 1},
                        "indices": first + 2,
                        "material": index,
                    }
                ],
            }
        )
        materials.append(
            {
                "name": part.name,
                "pbrMetallicRoughness": {
                    "baseColorFactor": [*part.colour, 1.0],
                    "metallicFactor": 0.3,
                    "roughnessFactor": 0.6,
                },
            }
        )
        nodes.append({"name": part.name, "mesh": index, "translation": list(part.at)})
    nodes.append({"name": "root", "children": list(range(len(parts)))})
    document = {
        "asset": {"version": "2.0", "generator": "Gongdan (gongdan.meters.glb)"},
        "scene": 0, "scenes": [{"nodes": [len(nodes) - 1]}], "nodes": nodes, "meshes": meshes,
        "materials": materials, "accessors": accessors, "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }  # fmt: skip
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (MAGIC + struct.pack("<II", 2, total) + struct.pack("<II", len(text), JSON_CHUNK) + text
            + struct.pack("<II", len(binary), BIN_CHUNK) + bytes(binary))  # fmt: skip
