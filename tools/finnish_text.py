"""Professional Finnish text for the valency lexicon and the case model, from Debian's Finnish documentation.

Downloads (apt-get download: no root needed, no install) the Finnish help of LibreOffice and GIMP
and LibreOffice's Finnish messages, extracts their paragraphs and sentences, and keeps those that
are Finnish: at least 90 % of the words known to
Voikko, no common English function word. The Finnish package descriptions of the Debian archive
(apt's Translation-fi index, fetched by `apt-get update -o Acquire::Languages=fi`) are added when
apt has them. One paragraph per line, duplicates dropped.
Usage: python tools/finnish_text.py OUT.txt [--work DIR]
"""

from __future__ import annotations

import argparse
import gettext
import glob
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.finnish import spell  # noqa: E402

PACKAGES = {
    "libreoffice-help-fi": "usr/share/libreoffice/help/fi",
    "gimp-help-fi": "usr/share/gimp/2.0/help/fi",
}
MESSAGES = {"libreoffice-l10n-fi": "usr/lib/libreoffice/program/resource/fi/LC_MESSAGES"}
TRANSLATIONS = "/var/lib/apt/lists"
ENGLISH = frozenset("the and of to is in for you this with can be a".split())
_WORD = re.compile(r"[^\W\d_]+")


class _Paragraphs(HTMLParser):
    """The text of an HTML page's paragraphs, list items, headings and table cells."""

    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "td", "div", "br"})
    SKIP = frozenset({"script", "style", "pre", "code"})

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip = 0
        self.buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in self.SKIP
        if tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in self.SKIP
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buf.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self.buf).split())
        self.buf = []
        if text:
            self.out.append(text)


def finnish(paragraph: str) -> bool:
    """A paragraph of Finnish prose: a sentence or more, Voikko knows its words, no English."""
    words = _WORD.findall(paragraph)
    if len(words) < 6 or paragraph[-1:] not in ".!?":
        return False
    if any(w.lower() in ENGLISH for w in words):
        return False
    return sum(1 for w in words if spell(w)) / len(words) >= 0.9


def _unpack(work: Path, package: str) -> Path:
    """Download a Debian package (not installed) and unpack it under `work`."""
    subprocess.run(["apt-get", "download", package], cwd=work, check=True, capture_output=True)
    deb = next(work.glob(f"{package}_*.deb"))
    target = work / package
    subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    return target


def message_strings(work: Path) -> list[str]:
    """The translated messages of the Finnish language packages (gettext catalogues)."""
    out: list[str] = []
    for package, folder in MESSAGES.items():
        target = _unpack(work, package)
        for mo in sorted((target / folder).glob("*.mo")):
            with open(mo, "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
            out.extend(" ".join(v.replace("~", "").split()) for v in catalog.values() if isinstance(v, str))
    return out


def help_paragraphs(work: Path) -> list[str]:
    """The paragraphs of the Finnish help packages."""
    out: list[str] = []
    for package, folder in PACKAGES.items():
        target = _unpack(work, package)
        for page in sorted(glob.glob(str(target / folder / "**" / "*.html"), recursive=True)):
            parser = _Paragraphs()
            parser.feed(Path(page).read_text(encoding="utf-8", errors="replace"))
            parser.flush()
            out.extend(parser.out)
    return out


def description_paragraphs() -> list[str]:
    """The Finnish package descriptions apt has (empty when it has none)."""
    out: list[str] = []
    for index in sorted(Path(TRANSLATIONS).glob("*Translation-fi*")):
        cat = {".lz4": ["lz4", "-dc"], ".xz": ["xz", "-dc"], ".gz": ["gzip", "-dc"]}.get(
            index.suffix, ["cat"]
        )
        text = subprocess.run([*cat, str(index)], check=True, capture_output=True, text=True).stdout
        current: list[str] = []
        for line in [*text.splitlines(), ""]:
            if line.startswith(" ") and line.strip() != ".":
                current.append(line.strip())
            elif current:
                out.append(" ".join(current))
                current = []
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        paragraphs = help_paragraphs(work) + message_strings(work) + description_paragraphs()
    kept = list(dict.fromkeys(p for p in paragraphs if finnish(p)))
    tmp_out = args.out.with_suffix(".tmp")
    tmp_out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    print(f"{args.out}: {len(kept)} paragraphs, {sum(len(p.split()) for p in kept)} words")


if __name__ == "__main__":
    main()
