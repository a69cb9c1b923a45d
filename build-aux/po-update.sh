#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Brings po/*.po up to the sources (as tests/po/check_po.py extracts them),
# dropping obsolete messages; then fill new ones with build-aux/po-fill.py.
set -eu
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
xgettext --files-from=po/POTFILES.in --directory=. --from-code=UTF-8 \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 --add-comments=TRANSLATORS -o "$pot"
for lang in $(cat po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$pot" -o "po/$lang.po.new"
  msgattrib --no-obsolete "po/$lang.po.new" -o "po/$lang.po"
  rm -f "po/$lang.po.new"
  echo "$lang: $(msgattrib --untranslated --no-obsolete "po/$lang.po" | grep -c '^msgid ' || true) message(s) to translate (one is the header)"
done
