#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""po/ is complete: every source file with translatable strings is listed in
POTFILES.in, every message of zh_CN.po is translated, not fuzzy, and passes
msgfmt's format checks, and every message the sources have today is in it."""
import os
import re
import subprocess
import sys
import tempfile

root = os.environ["MD_SOURCE_ROOT"]
status = 0

listed = set()
with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            listed.add(line)
            if not os.path.exists(os.path.join(root, line)):
                print("POTFILES.in lists a missing file: %s" % line)
                status = 1

marker = re.compile(r'\b(N?C?_|ngettext|g_dngettext|NC_)\s*\(\s*"')
for top in ("src", "ui"):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if name.endswith(".c"):
                text = open(path, encoding="utf-8").read()
                if marker.search(text) and rel not in listed:
                    print("not in po/POTFILES.in: %s" % rel)
                    status = 1
            elif name.endswith(".ui"):
                if 'translatable="yes"' in open(path, encoding="utf-8").read() and rel not in listed:
                    print("not in po/POTFILES.in: %s" % rel)
                    status = 1

# The messages the sources have now, extracted as meson's glib preset does.
tmp = tempfile.mkdtemp()
pot = os.path.join(tmp, "meterdesk.pot")
subprocess.run(["xgettext", "--files-from=po/POTFILES.in", "--directory=" + root,
                "--from-code=UTF-8", "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2",
                "--keyword=NC_:1c,2", "--keyword=g_dngettext:2,3", "--keyword=ngettext:1,2",
                "--add-comments=TRANSLATORS", "-o", pot], check=True, cwd=root)

for lang in open(os.path.join(root, "po", "LINGUAS"), encoding="utf-8").read().split():
    po = os.path.join(tmp, lang + ".po")
    subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", po,
                    os.path.join(root, "po", lang + ".po"), pot], check=True)
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", po],
                                  capture_output=True, text=True, check=True).stdout
    for msgid in re.findall(r'^msgid "(.+)"$', untranslated, re.M):
        print("%s: not translated: %s" % (lang, msgid))
    proc = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", po],
                          capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    stats = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    print("%s: %s" % (lang, stats))
    if proc.returncode != 0 or "fuzzy" in stats or "untranslated" in stats:
        print(proc.stderr)
        status = 1

sys.exit(status)
