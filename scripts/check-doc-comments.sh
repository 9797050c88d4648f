#!/usr/bin/env bash
# Lists public declarations in library targets that have no `///` doc comment directly above them (attribute lines
# such as @discardableResult in between are allowed), then counts per target.
#   bash scripts/check-doc-comments.sh [--counts] [TARGET...]   report only: always exits 0
#   bash scripts/check-doc-comments.sh --strict TARGET...        exits 1 if any TARGET has an undocumented declaration
# Without TARGETs it reports every library target. --counts prints only the per-target counts. CI runs --strict on
# the targets that are complete (scripts/test.sh) and a report of the rest.
# Limits of this text scan (not a compiler pass): a declaration is a line whose first word, after attributes, is
# `public` or `open` (extensions are skipped: they are not symbols of their own); a declaration spread over
# several lines counts once, and several on one line (`public let y: Int, x: Int`) count once; members that are
# public without the keyword (enum cases, protocol requirements) are not seen; a `/** */` block counts as documented
# only when its closing line ends in `*/`; a plain `//` comment does not count.
set -euo pipefail
cd "$(dirname "$0")/.."
only_counts=0; strict=0
while [ $# -gt 0 ]; do
  case "$1" in
    --counts) only_counts=1; shift ;;
    --strict) strict=1; shift ;;
    -*) echo "check-doc-comments: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  [ "$strict" -eq 1 ] && { echo "check-doc-comments: --strict needs the targets to hold to it" >&2; exit 2; }
  targets=(GridTensor GridAutograd GridNN GridModels GridIO GridTrain GridPlot GridTasks GridExchange GridMPI)
fi
for target in "${targets[@]}"; do
  [ -d "Sources/$target" ] || { echo "check-doc-comments: no target Sources/$target" >&2; exit 2; }
done
failed=()
summary=()
for target in "${targets[@]}"; do
  out=$(find "Sources/$target" -name '*.swift' | sort | xargs awk -v only="$only_counts" '
    FNR == 1 { prev = "" }
    {
      line = $0
      sub(/^[ \t]+/, "", line)
      decl = line
      while (decl ~ /^@[A-Za-z_]+(\([^)]*\))?[ \t]+/) sub(/^@[A-Za-z_]+(\([^)]*\))?[ \t]+/, "", decl)
      if (decl ~ /^(public|open)[ \t(]/ && decl !~ /^(public|open)[ \t]+extension[ \t]/) {
        total++
        kind = "other"
        if (decl ~ /(^|[ \t])(struct|class|enum|protocol|typealias|actor)[ \t]/ && decl !~ /(^|[ \t])(func|var|let)[ \t]/) kind = "type"
        else if (decl ~ /(^|[ \t])(func|subscript)[ \t(<]/ || decl ~ /(^|[ \t])init[?!]?[(<]/) kind = "func"
        all[kind]++
        if (prev !~ /^\/\/\// && prev !~ /\*\/$/) {
          missing++; lack[kind]++
          if (!only) printf "%s:%d: %s\n", FILENAME, FNR, substr(line, 1, 110)
        }
      }
      # Attribute-only lines (e.g. @discardableResult) sit between a doc comment and its declaration.
      if (line !~ /^@[A-Za-z_]+(\([^)]*\))?$/) prev = line
    }
    END { printf "COUNT %d %d %d/%d %d/%d %d/%d\n", missing + 0, total + 0, lack["type"] + 0, all["type"] + 0,
                lack["func"] + 0, all["func"] + 0, lack["other"] + 0, all["other"] + 0 }')
  [ "$only_counts" -eq 0 ] && grep -v '^COUNT ' <<<"$out" || true
  read -r _ missing total types funcs others < <(grep '^COUNT ' <<<"$out")
  [ "$missing" -gt 0 ] && failed+=("$target")
  summary+=("$target: $missing of $total public declarations lack a /// doc comment (types $types, functions and initialisers $funcs, properties and other members $others)")
done
printf '%s\n' "${summary[@]}"
if [ "$strict" -eq 1 ] && [ ${#failed[@]} -gt 0 ]; then
  echo "check-doc-comments: undocumented public declarations in ${failed[*]} (run without --counts for the list)" >&2
  exit 1
fi
exit 0
