#!/usr/bin/env bash
# Measures the attribution zoo project (specs/attribution) with `specproof validate`:
#   - every defect case under tests/corpus/semantic/attribution/<model>/<case>.sqlx|.sql,
#   - every equivalent rewrite under tests/corpus/rewrites/attribution/<model>/<case>.sqlx|.sql,
#   - the correct code of both flavours (control).
# Each is run twice, on a copy of the project (under $TMPDIR) with the case in place of its
# model's file and an empty tests folder: once with validate's defaults (what a user gets) and
# once with --seed 1 --cases 20. `.sql` files are DuckDB code (models_duckdb/, --dialect duckdb).
#
# A defect case is CAUGHT in a mode when a finding with "subject": "code" names the case's model.
# Per mode the line shows the verdict, the codes of those findings, and the row count of the
# largest input table (`tables[]`, role input) of their counterexample ("-" when none carries
# one). `wrong` lists findings about the code of ANOTHER model (model:code).
# A rewrite or the control is CLEAN when the run has no finding at all; because of the lint's
# false alarm FA-1 (SPEC013 on stg_campaigns, see /tmp/zoo-attribution-log.md and the README)
# every run carries one spec finding, so the line also says whether anything ELSE was found
# ("clean-but-FA1").
#
# Usage: tests/corpus/semantic/attribution/check.sh            every case, rewrite and control
#        CASES='fct_campaign_daily/*' tests/corpus/semantic/attribution/check.sh
#        MODES='default' ...      only validate's defaults ("default s1c20" is the default)
#        SPECPROOF_BIN=/path/to/specproof ...   (default /tmp/base/specproof)
#        JOBS=2 ...               cases run in parallel (default 1)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
bin="${SPECPROOF_BIN:-/tmp/base/specproof}"
project="$root/specs/attribution"
rewrites="$root/tests/corpus/rewrites/attribution"
modes="${MODES:-default s1c20}"
jobs="${JOBS:-1}"

command -v jq >/dev/null || { echo "check.sh needs jq" >&2; exit 2; }
[ -x "$bin" ] || { echo "no specproof binary at $bin (set SPECPROOF_BIN)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/attribution-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty-tests" "$work/out"

# run_one KIND NAME MODEL FILE -> writes one result line to $work/out/<n>
run_one() {
    local kind="$1" name="$2" model="$3" file="$4" idx="$5"
    local ext="${file##*.}" copy="$work/p$idx" dialect=() flavour
    rm -rf "$copy"; mkdir -p "$copy"
    cp -r "$project/spec.json" "$project/sources" "$copy"/
    if [ "$ext" = sqlx ]; then
        flavour=sqlx; cp -r "$project/models" "$copy/models"
    else
        flavour=sql; cp -r "$project/models_duckdb" "$copy/models"; dialect=(--dialect duckdb)
    fi
    if [ -n "$model" ]; then
        rm -f "$copy/models/$model.sql" "$copy/models/$model.sqlx"
        cp "$file" "$copy/models/$model.$ext"
    fi
    local line verdicts="" wrong_all="" mode out args
    for mode in $modes; do
        args=()
        [ "$mode" = s1c20 ] && args=(--seed 1 --cases 20)
        out="$("$bin" validate "$copy" --tests "$work/empty-tests" --format json "${dialect[@]}" "${args[@]}" 2>/dev/null)"
        if ! jq -e '.findings' >/dev/null 2>&1 <<<"$out"; then
            verdicts+=" $(printf '%-44s' "$mode:CRASH")"; continue
        fi
        if [ "$kind" = case ]; then
            local v codes rows wrong
            codes="$(jq -r --arg m "$model" '[.findings[] | select(.subject == "code" and .model == $m) | .code] | unique | join(",")' <<<"$out")"
            rows="$(jq -r --arg m "$model" '[.findings[] | select(.subject == "code" and .model == $m) | (.tables // [])[] | select(.role == "input") | (.rows | length)] | max // "-"' <<<"$out")"
            wrong="$(jq -r --arg m "$model" '[.findings[] | select(.subject == "code" and .model != $m) | "\(.model):\(.code)"] | unique | join(",")' <<<"$out")"
            [ -n "$codes" ] && v=caught || v=MISSED
            verdicts+=" $(printf '%-44s' "$mode:$v[${codes:--}]rows=$rows")"
            [ -n "$wrong" ] && wrong_all+="$mode:$wrong "
        else
            local all others
            all="$(jq -r '[.findings[] | "\(.model // "-"):\(.code)"] | unique | join(",")' <<<"$out")"
            others="$(jq -r '[.findings[] | select(.code != "SPEC013" or .model != "stg_campaigns" or .subject != "spec") | "\(.model // "-"):\(.code)/\(.subject)"] | unique | join(",")' <<<"$out")"
            if [ -z "$all" ]; then v=clean; elif [ -z "$others" ]; then v=clean-but-FA1; else v="FINDINGS[$others]"; fi
            verdicts+=" $(printf '%-44s' "$mode:$v")"
        fi
    done
    printf '%-7s %-58s %-4s%s %s\n' "$kind" "$name" "$flavour" "$verdicts" "${wrong_all:+wrong-model:$wrong_all}" > "$work/out/$idx"
    rm -rf "$copy"
}

list="$work/list"
: > "$list"
if [ -z "${CASES:-}" ]; then
    echo "control (correct code) - $project/models/none.sqlx" >> "$list"
    echo "control (correct code) - $project/models_duckdb/none.sql" >> "$list"
fi
shopt -s nullglob
for file in "$here"/${CASES:-*/*}; do
    [ -f "$file" ] || continue
    case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
    m="$(basename "$(dirname "$file")")"
    echo "case $m/$(basename "$file") $m $file" >> "$list"
done
for file in "$rewrites"/${CASES:-*/*}; do
    [ -f "$file" ] || continue
    case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
    m="$(basename "$(dirname "$file")")"
    echo "rewrite $m/$(basename "$file") $m $file" >> "$list"
done

i=0
while read -r kind name model file; do
    [ "$kind" = control ] && { kind=control; name="(correct code)"; model=""; file="${file}"; }
    i=$((i + 1))
    run_one "$kind" "$name" "$model" "$file" "$(printf '%04d' $i)" &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done < <(sed 's/^control (correct code) - /control x x /' "$list")
wait

printf '%-7s %-58s %-4s %s\n' kind case flav "per mode: verdict[codes about the case's model]rows=<largest input table>"
cat "$work/out"/*
echo
for mode in $modes; do
    n=$(grep -c '^case ' "$work/out"/* /dev/null | awk -F: '{s+=$2} END {print s+0}')
    c=$(cat "$work/out"/* | grep '^case ' | grep -c "$mode:caught")
    wm=$(cat "$work/out"/* | grep '^case ' | grep "wrong-model:.*$mode:" | wc -l)
    m=$(cat "$work/out"/* | grep -cE '^(rewrite|control) ')
    cl=$(cat "$work/out"/* | grep -E '^(rewrite|control) ' | grep -cE "$mode:clean( |$)")
    cf=$(cat "$work/out"/* | grep -E '^(rewrite|control) ' | grep -cE "$mode:clean(-but-FA1)?( |$)")
    echo "totals $mode: caught $c of $n defect cases ($wm with a wrong-model finding); clean $cl of $m rewrites+controls (no finding at all), $cf of $m apart from FA-1"
done
