#!/bin/sh
# Usage: embed.sh SYMBOL FILE > OUT.c
# Turns FILE into a C byte array so the library carries it without a file
# at run time (the embedded default policy). NUL-terminated for convenience;
# SYMBOL_len excludes the terminator.  SYMBOL_sha256 is the file's sha256 in
# hex, so that loading it need not hash it on every start.
set -eu
sym=$1
file=$2
printf '/* Generated from %s by build-aux/embed.sh: do not edit. */\n' "$(basename "$file")"
printf '#include <stddef.h>\n'
printf 'extern const char %s[], %s_sha256[];\nextern const size_t %s_len;\n' "$sym" "$sym" "$sym"
printf 'const char %s[] = {\n' "$sym"
od -An -v -tx1 "$file" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/ /'
printf ' 0x00};\nconst size_t %s_len = sizeof %s - 1;\n' "$sym" "$sym"
printf 'const char %s_sha256[] = "%s";\n' "$sym" "$(sha256sum <"$file" | cut -d' ' -f1)"
