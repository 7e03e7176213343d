#!/usr/bin/env python3
"""Regenerates the name lists in Forms/privacy/ from their sources (not run by the tests).

    python3 -m venv /tmp/faker-venv && /tmp/faker-venv/bin/pip install faker
    (cd /tmp && apt-get download hunspell-sv && dpkg-deb -x hunspell-sv_*.deb hunspell-sv)
    /tmp/faker-venv/bin/python scripts/privacy-lists.py /tmp/hunspell-sv/usr/share/hunspell/sv_SE.dic

first-names.txt and surnames.txt: the sv_SE person provider of the `faker` package on PyPI
(MIT licence; its data are Isof's 500 most common first names 2023 and Skatteverket's 500 most
common surnames 2025). ordinary-words.txt: the names of those two lists that are also ordinary
lower-case Swedish words in Debian's hunspell-sv dictionary (sv_SE.dic, LibreOffice
dictionaries, LGPL-3). places.txt is written by hand and is not regenerated here.
"""
import sys
from pathlib import Path

from importlib.metadata import version
faker_version = version("faker")
from faker.providers.person.sv_SE import Provider

out = Path(__file__).resolve().parent.parent / "Forms" / "privacy"


def keys(x):
    return list(x.keys()) if hasattr(x, "keys") else list(x)


first = sorted(set(keys(Provider.first_names_female)) | set(keys(Provider.first_names_male)))
last = sorted(set(keys(Provider.last_names)))
words = set()
with open(sys.argv[1], encoding="utf-8", errors="replace") as dic:
    next(dic)
    for line in dic:
        w = line.split("/")[0].strip()
        if w and w[0].islower():
            words.add(w)
ordinary = sorted({n for n in first + last if n.lower() in words})

head = f"# From the sv_SE person provider of faker {faker_version} (PyPI, MIT licence). Regenerate: scripts/privacy-lists.py\n"
(out / "first-names.txt").write_text(f"# First names: Isof's 500 most common first names (2023), women and men.\n{head}" + "\n".join(first) + "\n")
(out / "surnames.txt").write_text(f"# Surnames: Skatteverket's 500 most common surnames (2025).\n{head}" + "\n".join(last) + "\n")
(out / "ordinary-words.txt").write_text(
    "# Names from first-names.txt and surnames.txt that are also ordinary lower-case Swedish words in\n"
    "# Debian's hunspell-sv (sv_SE.dic from the LibreOffice dictionaries, LGPL-3), e.g. Per, Bo, Berg.\n"
    "# At the start of a sentence such a word is not taken for a name on its own. Regenerate: scripts/privacy-lists.py\n"
    + "\n".join(ordinary) + "\n")
print(f"{len(first)} first names, {len(last)} surnames, {len(ordinary)} also ordinary words")
