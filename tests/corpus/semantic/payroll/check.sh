#!/usr/bin/env bash
# Measures the payroll zoo pipeline (specs/payroll): every defect case of
# tests/corpus/semantic/payroll/<model>/<case>.sqlx|.sql, every equivalent rewrite of
# tests/corpus/rewrites/payroll/<model>/<case>.sqlx|.sql, and the correct code of both flavours.
#
# Usage: tests/corpus/semantic/payroll/check.sh
#        SPECPROOF_BIN=/path/to/specproof CASES='stg_timesheets/*' tests/corpus/semantic/payroll/check.sh
#        ONLY=semantic|rewrites|control  (default: all three)
#        CASES='stg_employees/inner-join-departments.sqlx dim_employee_scd2/*'  (globs, space-separated)
#
# Each case: the project is copied to a scratch dir under /tmp, the case put in place of its
# model's file (.sqlx -> models/<model>.sqlx; .sql -> models_duckdb/<model>.sql, run with
# --dialect duckdb), then run twice:
#   default:  specproof validate <copy> --tests <empty> --format json [--dialect duckdb]
#   s1x20:    the same with --seed 1 --cases 20
# A defect case is CAUGHT when a finding with "subject": "code" names the case's model. Because
# the correct code itself draws findings (false alarms of the engine, see the README), a finding
# that the correct code of the same flavour also draws in the same mode ("baseline", compared by
# code, model and message) is counted apart: a case caught only by those is "fa-only", not caught.
# wrong= lists code findings about ANOTHER model that are not in the baseline. rows= is the
# largest input table (role input) of the case model's findings' counterexamples.
# A rewrite (or the correct code) is "clean" with no finding at all, "clean*" when its only
# findings are the baseline ones, else "FINDING" with the new codes.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
bin="${SPECPROOF_BIN:-/tmp/base/specproof}"
project="$root/specs/payroll"
rewrites="$root/tests/corpus/rewrites/payroll"

command -v jq >/dev/null || { echo "check.sh needs jq" >&2; exit 2; }
[ -x "$bin" ] || { echo "no specproof binary at $bin (set SPECPROOF_BIN)" >&2; exit 2; }

work="$(mktemp -d /tmp/payroll-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty-tests"

# run FILE-or-empty MODEL EXT MODE -> prints the JSON report (or nothing on a crash)
run() {
    local file="$1" model="$2" ext="$3" mode="$4" copy args=()
    copy="$work/p-$RANDOM$RANDOM"
    cp -r "$project" "$copy"
    if [ "$ext" = sqlx ]; then
        [ -n "$file" ] && cp "$file" "$copy/models/$model.sqlx"
    else
        [ -n "$file" ] && cp "$file" "$copy/models_duckdb/$model.sql"
        args+=(--models "$copy/models_duckdb" --dialect duckdb)
    fi
    [ "$mode" = s1x20 ] && args+=(--seed 1 --cases 20)
    "$bin" validate "$copy" --tests "$work/empty-tests" --format json "${args[@]}" 2>"$work/stderr"
    rm -rf "$copy"
}

# key of each finding, one a line: code|model|subject|message (paths of the scratch copy cut)
keys() { jq -r '.findings[] | "\(.code)|\(.model // "-")|\(.subject)|\(.message | gsub("[\n\r]"; " "))"' | sed "s#$work/p-[0-9]*#<copy>#g" | sort -u; }

declare -A base
for ext in sqlx sql; do
    for mode in default s1x20; do
        base[$ext.$mode]="$(run "" "" "$ext" "$mode" | keys)"
    done
done

caught=0 total=0 clean=0 cleanstar=0 rtotal=0 crashes=0
declare -A caught_in=([default]=0 [s1x20]=0) strict_in=([default]=0 [s1x20]=0) wrong_in=([default]=0 [s1x20]=0)

case_line() {
    local file="$1" model="$2" ext="$3" name="$4" mode out line="" verdict codes rows wrong new_own all_own
    local both=1
    for mode in default s1x20; do
        out="$(run "$file" "$model" "$ext" "$mode")"
        if ! jq -e '.findings' >/dev/null 2>&1 <<<"$out"; then
            line+="$(printf ' %-6s %-8s %-28s %-5s' "$mode" CRASH - -)"
            crashes=$((crashes + 1)); both=0; continue
        fi
        local k new
        k="$(keys <<<"$out")"
        new="$(comm -23 <(echo "$k") <(echo "${base[$ext.$mode]}"))"
        all_own="$(awk -F'|' -v m="$model" '$2 == m && $3 == "code"' <<<"$k")"
        new_own="$(awk -F'|' -v m="$model" '$2 == m && $3 == "code"' <<<"$new")"
        if [ -n "$new_own" ]; then verdict=CAUGHT; caught_in[$mode]=$((caught_in[$mode] + 1))
        elif [ -n "$all_own" ]; then verdict=fa-only; both=0
        else verdict=missed; both=0; fi
        [ -n "$all_own" ] && strict_in[$mode]=$((strict_in[$mode] + 1))
        codes="$(cut -d'|' -f1 <<<"$new_own" | sed '/^$/d' | sort -u | paste -sd, -)"
        rows="$(jq --arg m "$model" '[.findings[] | select(.model == $m and .subject == "code") | .tables[]? | select(.role == "input") | (.rows | length)] | max // "-"' <<<"$out")"
        wrong="$(awk -F'|' -v m="$model" '$2 != m && $3 == "code" {print $1 ":" $2}' <<<"$new" | sort -u | paste -sd, -)"
        local other
        other="$(awk -F'|' 'NF > 1 && $3 != "code" {print $1 ":" $2}' <<<"$new" | sort -u | paste -sd, -)"
        [ -n "$wrong" ] && wrong_in[$mode]=$((wrong_in[$mode] + 1))
        line+="$(printf ' %-6s %-8s %-28s rows=%-4s wrong=%s other=%s |' "$mode" "$verdict" "${codes:--}" "$rows" "${wrong:-no}" "${other:--}")"
    done
    total=$((total + 1)); [ "$both" = 1 ] && caught=$((caught + 1))
    printf '%-58s %-4s%s\n' "$name" "$ext" "$line"
}

rewrite_line() {
    local file="$1" model="$2" ext="$3" name="$4" mode out line="" verdict ok=1 okstar=1
    for mode in default s1x20; do
        out="$(run "$file" "$model" "$ext" "$mode")"
        if ! jq -e '.findings' >/dev/null 2>&1 <<<"$out"; then
            line+=" $mode CRASH |"; crashes=$((crashes + 1)); ok=0; okstar=0; continue
        fi
        local k new
        k="$(keys <<<"$out")"
        new="$(comm -23 <(echo "$k") <(echo "${base[$ext.$mode]}"))"
        if [ -z "$k" ]; then verdict=clean
        elif [ -z "$new" ]; then verdict="clean*"; ok=0
        else verdict="FINDING $(awk -F'|' '{print $1 ":" $2 ":" $3}' <<<"$new" | sort -u | paste -sd, -)"; ok=0; okstar=0; fi
        line+="$(printf ' %-6s %s |' "$mode" "$verdict")"
    done
    rtotal=$((rtotal + 1)); [ "$ok" = 1 ] && clean=$((clean + 1)); [ "$okstar" = 1 ] && cleanstar=$((cleanstar + 1))
    printf '%-58s %-4s%s\n' "$name" "$ext" "$line"
}

only="${ONLY:-all}"
# The patterns are split here with globbing off: unquoted, `*/*` would expand against the
# directory the script is run from, not the corpus.
set -f
read -r -a patterns <<< "${CASES:-*/*}"
set +f
shopt -s nullglob
if [ "$only" = all ] || [ "$only" = control ]; then
    echo "== control (correct code); baseline findings of the correct code:"
    for ext in sqlx sql; do
        for mode in default s1x20; do
            printf '   %-4s %-7s %s\n' "$ext" "$mode" "$(awk -F'|' '{print $1 ":" $2 ":" $3}' <<<"${base[$ext.$mode]}" | paste -sd' ' -)"
        done
    done
fi
if [ "$only" = all ] || [ "$only" = semantic ]; then
    echo "== semantic defect cases"
    for file in $(for pat in "${patterns[@]}"; do printf '%s\n' "$here"/$pat; done); do
        case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
        model="$(basename "$(dirname "$file")")"
        case_line "$file" "$model" "${file##*.}" "$model/$(basename "$file")"
    done
fi
if [ "$only" = all ] || [ "$only" = rewrites ]; then
    echo "== equivalent rewrites"
    for file in $(for pat in "${patterns[@]}"; do printf '%s\n' "$rewrites"/$pat; done); do
        case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
        model="$(basename "$(dirname "$file")")"
        rewrite_line "$file" "$model" "${file##*.}" "$model/$(basename "$file")"
    done
fi
echo "== totals"
echo "caught (both modes): $caught of $total defect cases"
for mode in default s1x20; do
    echo "  $mode: caught ${caught_in[$mode]} of $total (strict: any code finding naming the model, the correct code's false alarms included: ${strict_in[$mode]}); cases with a new finding about another model's code: ${wrong_in[$mode]}"
done
echo "rewrites clean (no finding at all, both modes): $clean of $rtotal; clean* (nothing beyond the correct code's own findings): $cleanstar of $rtotal"
echo "runs without a JSON report: $crashes"
