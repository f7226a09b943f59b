"""Write the demo's air compressor model (drawn by gongdan.demo.compressor_model) to a .glb file.

.venv/bin/python scripts/make_compressor_glb.py [compressor.glb]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongdan.project.settings")
    django.setup()
    from gongdan.demo.compressor_model import compressor_glb
    from gongdan.meters.glb import glb_check

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "compressor.glb")
    content = compressor_glb()
    nodes = glb_check(content)
    target.write_bytes(content)
    print(f"{target}: {len(content):,} bytes, nodes {', '.join(sorted(nodes))}")


if __name__ == "__main__":
    main()
