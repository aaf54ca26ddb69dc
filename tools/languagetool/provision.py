"""Install LanguageTool for the English checks (`make languagetool`); safe to rerun.

1. Already installed (language-tool-python's download, or a complete Maven jar set): nothing to do.
2. language-tool-python's own download, the default where the internet is open.
3. Otherwise the server and the English module from the Maven repository, through pom.xml beside
   this script: `mvn dependency:copy-dependencies` into the cache directory (PIPELINE_LT_DIR or
   ~/.cache/pipeline/languagetool-<version>/), assembled in a temporary directory and renamed into
   place, with a manifest (jars.txt) written last, so an interrupted run never looks complete.

LT_PROVISION=download or LT_PROVISION=maven forces one way. Usage: provision.py [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.errors import LanguageToolError
from pipeline.languagetool import install as lt

POM = Path(__file__).resolve().with_name("pom.xml")
MIN_JAVA = 17
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def say(message: str) -> None:
    """One line of progress, like the other set-up steps."""
    print(f"languagetool: {message}", flush=True)


def fail(message: str) -> int:
    """One line on stderr and a non-zero exit."""
    print(f"languagetool: error: {message}", file=sys.stderr, flush=True)
    return 1


def installed() -> str | None:
    """Where a usable LanguageTool is already, if anywhere."""
    try:
        return lt.find_classpath()
    except LanguageToolError:
        return None


def java_major(java: str = "java") -> int | None:
    """The major version of `java`, or None when there is no Java."""
    if shutil.which(java) is None:
        return None
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def try_download() -> bool:
    """language-tool-python's own download of LanguageTool; False (with the reason) when it fails."""
    from language_tool_python.download_lt import LocalLanguageTool  # noqa: PLC0415

    say(f"trying language-tool-python's download of LanguageTool {lt.LT_VERSION}")
    try:
        LocalLanguageTool.from_version_name(lt.LT_VERSION).download()
    except Exception as exc:  # any failure (no network, refused, bad zip) means: use Maven instead
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        say(f"download failed ({type(exc).__name__}: {reason[:200]})")
        return False
    return (lt.download_dir() / "languagetool-server.jar").is_file()


def assemble_from_maven(target: Path) -> None:
    """Copy the server's jars from the Maven repository into `target`, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        cmd = [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(POM),
            f"-Dlanguagetool.version={lt.LT_VERSION}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
        ]
        say(f"assembling LanguageTool {lt.LT_VERSION} (server + English) with Maven into {target}")
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = [ANSI.sub("", line).strip() for line in (done.stdout + done.stderr).splitlines()]
            errors = [line for line in lines if line.startswith("[ERROR]")] or [x for x in lines if x]
            raise RuntimeError(f"mvn exited with {done.returncode}: {' '.join(errors[:3])[:600]}")
        jars = sorted(p for p in tmp.iterdir() if p.suffix == ".jar")
        missing = [
            n for n in lt.REQUIRED_JARS if not any(j.name.startswith(f"{n}-{lt.LT_VERSION}") for j in jars)
        ]
        if missing:
            raise RuntimeError(f"Maven did not deliver {', '.join(missing)}")
        sizes = {j.name: j.stat().st_size for j in jars}
        manifest = "".join(f"{name}\t{size}\n" for name, size in sizes.items())
        (tmp / lt.MANIFEST).write_text(manifest, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        say(f"{len(jars)} jars, {sum(sizes.values()) / 1e6:.0f} MB in {target}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether LanguageTool is installed")
    args = ap.parse_args()
    mode = os.environ.get("LT_PROVISION", "auto")
    if mode not in ("auto", "download", "maven"):
        return fail(f"LT_PROVISION={mode}: use auto, download or maven")

    major = java_major()
    if major is None or major < MIN_JAVA:
        found = "no Java" if major is None else f"Java {major}"
        return fail(f"LanguageTool {lt.LT_VERSION} needs Java >= {MIN_JAVA}, found {found}: run 'make setup'")

    where = installed()
    if where is not None:
        say(f"LanguageTool {lt.LT_VERSION} present ({where}), Java {major}")
        return 0
    if args.check:
        return fail(f"LanguageTool {lt.LT_VERSION} is not installed: run 'make languagetool'")
    if mode in ("auto", "download") and not os.environ.get(lt.ENV_DIR) and try_download():
        say(f"LanguageTool {lt.LT_VERSION} downloaded into {lt.download_dir()}")
        return 0
    if mode == "download":
        return fail("language-tool-python's download failed and LT_PROVISION=download")
    if shutil.which("mvn") is None:
        return fail("Maven (mvn) not found: run 'make setup' (tools/setup-system.sh installs it)")
    try:
        assemble_from_maven(lt.cache_dir())
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        return fail(f"assembling LanguageTool with Maven failed: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
