#!/usr/bin/env bash
# Runs the inventory zoo's defect corpus (tests/corpus/semantic/inventory), its equivalent
# rewrites (tests/corpus/rewrites/inventory) and the correct code of both flavours through
# `specproof validate`, each case in a scratch copy of specs/inventory with the case in place of
# its model's file, with no shipped tests (an empty --tests folder), in two configurations:
#   def   validate's defaults (what a user gets: seed 42, 3 datasets)
#   s1c20 --seed 1 --cases 20
#
# A defect is CAUGHT in a configuration when a finding with "subject": "code" names the case's
# model. Printed per case: caught in def / s1c20, the codes of those findings, code findings
# naming ANOTHER model (wrong-model), and the largest input table of the counterexample
# (role "input" rows, over the case model's findings; "-" when no finding carries tables).
# A rewrite or the correct code is CLEAN when the report has no finding at all.
#
# Usage: tests/corpus/semantic/inventory/check.sh               (everything)
#        CASES='stg_po_lines/*' tests/corpus/semantic/inventory/check.sh   (glob under each corpus)
#        ONLY=defects|rewrites|control  SPECPROOF_BIN=/path/to/specproof  CONFIGS="def s1c20"
#        EXTRA_ARGS="--deadline 1800"   (extra validate flags, e.g. on a loaded machine)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
bin="${SPECPROOF_BIN:-/tmp/base/specproof}"
project="$root/specs/inventory"
rewrites="$root/tests/corpus/rewrites/inventory"
configs=(${CONFIGS:-def s1c20})

command -v jq >/dev/null || { echo "check.sh needs jq" >&2; exit 2; }
[ -x "$bin" ] || { echo "no specproof binary at $bin (set SPECPROOF_BIN)" >&2; exit 2; }

work="$(mktemp -d /tmp/inventory-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty-tests"

caught_n=0; defects_n=0; clean_n=0; clean_total=0; crashes=0
declare -A caught_cfg

# run KIND NAME MODEL FILE   KIND: defect | rewrite | control
run() {
    local kind="$1" name="$2" model="$3" file="$4" ext flavour dialect=() models
    ext="${file##*.}"
    local copy="$work/proj-$RANDOM$RANDOM"
    cp -r "$project" "$copy"
    if [ "$ext" = sqlx ]; then
        flavour=sqlx; models="$copy/models"
    else
        flavour=sql; models="$copy/models_duckdb"; dialect=(--dialect duckdb)
    fi
    if [ -n "$model" ]; then
        rm -f "$models/$model.sql" "$models/$model.sqlx"
        cp "$file" "$models/$model.$ext"
    fi
    local cfg out verdicts="" codes="" wrong="" rows="" others="" args
    for cfg in "${configs[@]}"; do
        args=()
        [ "$cfg" = s1c20 ] && args=(--seed 1 --cases 20)
        out="$("$bin" validate "$copy" --models "$models" "${dialect[@]}" --tests "$work/empty-tests" \
            --format json "${args[@]}" ${EXTRA_ARGS:-} 2>"$work/stderr")"
        if [ -z "$out" ] || ! jq -e 'has("findings")' >/dev/null 2>&1 <<<"$out"; then
            # no JSON report: the run passed its --deadline (300 s by default), or crashed
            if grep -q deadline "$work/stderr"; then verdicts+=" $cfg:DEADLINE"; else verdicts+=" $cfg:CRASH"; fi
            crashes=$((crashes + 1)); continue
        fi
        if [ "$kind" = defect ]; then
            local hit
            hit="$(jq --arg m "$model" '[.findings[] | select(.subject == "code" and .model == $m)] | length' <<<"$out")"
            if [ "$hit" -gt 0 ]; then
                verdicts+=" $cfg:caught"; caught_cfg[$cfg]=$(( ${caught_cfg[$cfg]:-0} + 1 ))
            else
                verdicts+=" $cfg:MISSED"
            fi
            codes+=" $(jq -r --arg m "$model" '[.findings[] | select(.subject == "code" and .model == $m) | .code] | unique | join(",")' <<<"$out")"
            wrong+=" $(jq -r --arg m "$model" '[.findings[] | select(.subject == "code" and .model != $m) | "\(.model):\(.code)"] | unique | join(",")' <<<"$out")"
            others+=" $(jq -r '[.findings[] | select(.subject != "code") | "\(.subject):\(.model // "-"):\(.code)"] | unique | join(",")' <<<"$out")"
            rows+=" $cfg=$(jq -r --arg m "$model" '[.findings[] | select(.model == $m) | (.tables // [])[] | select(.role == "input") | (.rows | length)] | max // "-"' <<<"$out")"
        else
            local n
            n="$(jq '.findings | length' <<<"$out")"
            if [ "$n" -eq 0 ]; then
                verdicts+=" $cfg:clean"; caught_cfg[$cfg-clean]=$(( ${caught_cfg[$cfg-clean]:-0} + 1 ))
            else
                verdicts+=" $cfg:FINDINGS"
                codes+=" $(jq -r '[.findings[] | "\(.model // "-"):\(.subject):\(.code)"] | unique | join(",")' <<<"$out")"
            fi
        fi
    done
    rm -rf "$copy"
    tidy() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -; }
    if [ "$kind" = defect ]; then
        defects_n=$((defects_n + 1))
        grep -q caught <<<"$verdicts" && caught_n=$((caught_n + 1))
        printf '%-62s %-4s %-30s codes=%-28s wrong-model=%-18s rows:%s%s\n' "$name" "$flavour" "${verdicts# }" \
            "$(tidy "$codes")" "$(tidy "$wrong" | sed 's/^$/no/')" "$rows" \
            "$( o="$(tidy "$others")"; [ -n "$o" ] && echo "  other=$o")"
    else
        clean_total=$((clean_total + 1))
        grep -q FINDINGS <<<"$verdicts" || grep -q CRASH <<<"$verdicts" || clean_n=$((clean_n + 1))
        printf '%-62s %-4s %-30s %s\n' "$name" "$flavour" "${verdicts# }" "$(tidy "$codes")"
    fi
}

shopt -s nullglob
only="${ONLY:-all}"
if [ "$only" = all ] || [ "$only" = control ]; then
    echo "== control: the correct code"
    run control "(correct code)" "" "$project/models/none.sqlx"
    run control "(correct code)" "" "$project/models_duckdb/none.sql"
fi
if [ "$only" = all ] || [ "$only" = defects ]; then
    echo "== defects (caught = a code finding naming the case's model)"
    for file in "$here"/${CASES:-*/*}; do
        case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
        model="$(basename "$(dirname "$file")")"
        [ -f "$project/models/$model.sqlx" ] || continue
        run defect "$model/$(basename "$file")" "$model" "$file"
    done
fi
if [ "$only" = all ] || [ "$only" = rewrites ]; then
    echo "== rewrites (clean = no finding at all)"
    for file in "$rewrites"/${CASES:-*/*}; do
        case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
        model="$(basename "$(dirname "$file")")"
        run rewrite "$model/$(basename "$file")" "$model" "$file"
    done
fi
echo "== totals"
echo "defects caught (any config): $caught_n of $defects_n; per config: $(for c in "${configs[@]}"; do printf '%s %s/%s  ' "$c" "${caught_cfg[$c]:-0}" "$defects_n"; done)"
echo "rewrites + control clean (every config): $clean_n of $clean_total; per config: $(for c in "${configs[@]}"; do printf '%s %s/%s  ' "$c" "${caught_cfg[$c-clean]:-0}" "$clean_total"; done)"
echo "runs without a JSON report (DEADLINE: past validate's 300 s --deadline; CRASH: anything else): $crashes"
