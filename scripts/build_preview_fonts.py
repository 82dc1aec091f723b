"""Build the fonts of the share previews: DejaVu Sans (regular and bold) cut down to the
scripts service names use, so the wheel carries ~100 KB, not 1.4 MB, and the rasteriser
needs no fonts from the system (a fresh machine may have none).

    pip install fonttools && python scripts/build_preview_fonts.py [FONT_DIR]

FONT_DIR holds DejaVuSans.ttf and DejaVuSans-Bold.ttf (Debian: fonts-dejavu-core,
/usr/share/fonts/truetype/dejavu). The output is committed; nothing runs at install time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu")
TARGET = Path(__file__).resolve().parent.parent / "src/outagewatch/web/fonts"
# Latin with its extensions, Greek, Cyrillic, general punctuation, currency signs, arrows.
UNICODES = "U+0020-024F,U+0370-03FF,U+0400-04FF,U+2000-206F,U+20A0-20BF,U+2190-21FF,U+2212"


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        subset.main(
            [
                str(SOURCE / name),
                f"--unicodes={UNICODES}",
                "--layout-features=kern,liga",
                f"--output-file={TARGET / name}",
            ]
        )
        print(f"{name}: {(TARGET / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
