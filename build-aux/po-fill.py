#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fill or replace translations in a .po file from a JSON map
{"msgctxt\\u0004msgid" or "msgid": "msgstr"}, clearing their fuzzy flag.
A maintainer's tool for small translation updates; msgfmt checks the result."""
import json
import sys


def unquote(lines):
    out = ""
    for l in lines:
        l = l.strip()
        if l.startswith('"'):
            out += json.loads(l)
    return out


def quote(text):
    return json.dumps(text, ensure_ascii=False)


def main(po_path, map_path):
    mapping = json.load(open(map_path, encoding="utf-8"))
    blocks = open(po_path, encoding="utf-8").read().split("\n\n")
    done = set()
    out = []
    for block in blocks:
        lines = block.split("\n")
        fields = {}
        current = None
        for l in lines:
            for key in ("msgctxt", "msgid_plural", "msgid", "msgstr[0]", "msgstr"):
                if l.startswith(key + " "):
                    current = key
                    fields[key] = [l[len(key) + 1:]]
                    break
            else:
                if l.startswith('"') and current:
                    fields[current].append(l)
        if "msgid" not in fields or block.lstrip().startswith("#~"):
            out.append(block)
            continue
        msgid = unquote(fields["msgid"])
        ctx = unquote(fields["msgctxt"]) if "msgctxt" in fields else None
        key = (ctx + "\u0004" + msgid) if ctx else msgid
        if key not in mapping or not msgid:
            out.append(block)
            continue
        done.add(key)
        new = []
        for l in lines:
            if l.startswith("#,"):
                flags = [f.strip() for f in l[2:].split(",") if f.strip() != "fuzzy"]
                if flags:
                    new.append("#, " + ", ".join(flags))
                continue
            if l.startswith("#| "):
                continue
            if l.startswith("msgstr"):
                break
            if l.startswith('"') and new and new[-1].startswith("msgstr"):
                continue
            new.append(l)
        # drop continuation lines of the old msgstr
        while new and new[-1].startswith('"') and any(x.startswith("msgstr") for x in new):
            new.pop()
        if "msgid_plural" in fields:
            new.append("msgstr[0] " + quote(mapping[key]))
        else:
            new.append("msgstr " + quote(mapping[key]))
        out.append("\n".join(new))
    open(po_path, "w", encoding="utf-8").write("\n\n".join(out))
    missing = set(mapping) - done
    if missing:
        sys.exit("not found: %s" % sorted(missing))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
