#!/usr/bin/env python3
"""Run nox without installing anything by hand: ``python3 noxw.py -s tests``.

On first use it creates a private virtual environment in ``.nox/_noxw`` with
nox (and uv, which nox then uses to build its session environments quickly),
then hands every argument to nox.  Later runs reuse that environment; it is
rebuilt when the requirements below or the Python version change.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

REQUIREMENTS = ["nox>=2025.2.9", "uv>=0.6"]
ROOT = Path(__file__).resolve().parent
ENV_DIR = ROOT / ".nox" / "_noxw"
STAMP = ENV_DIR / "noxw-requirements.txt"


def env_python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return ENV_DIR / scripts / ("python.exe" if os.name == "nt" else "python")


def wanted_stamp() -> str:
    return f"{sys.version}\n" + "\n".join(REQUIREMENTS) + "\n"


def ensure_env() -> Path:
    python = env_python()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted_stamp():
        return python
    print(f"noxw: preparing nox in {ENV_DIR.relative_to(ROOT)} (first run only)", file=sys.stderr)
    try:
        venv.EnvBuilder(clear=True, with_pip=True).create(ENV_DIR)
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(
            f"noxw: cannot create a virtual environment ({error}).\n"
            "On Debian/Ubuntu install the venv module first: apt-get install python3-venv"
        )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *REQUIREMENTS],
        check=True,
    )
    STAMP.write_text(wanted_stamp())
    return python


def main() -> int:
    if sys.version_info < (3, 10):  # noqa: UP036  (noxw itself may be run by an older python3)
        sys.exit("noxw: sphinx-runbook needs Python 3.10 or newer")
    python = ensure_env()
    os.chdir(ROOT)
    return subprocess.call([str(python), "-m", "nox", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
