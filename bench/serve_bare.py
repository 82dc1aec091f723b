"""Serve bench/bare_app.py with the server program the product uses (see outagewatch serve)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="uvicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    if options.server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "bare_app:app",
            address="127.0.0.1",
            port=options.port,
            interface=Interfaces.ASGI,
            workers=options.workers,
            working_dir=Path(__file__).resolve().parent,
        ).serve()
    else:
        import uvicorn

        uvicorn.run(
            "bare_app:app",
            host="127.0.0.1",
            port=options.port,
            workers=options.workers,
            log_level="warning",
            app_dir=str(Path(__file__).resolve().parent),
        )


if __name__ == "__main__":
    main()
