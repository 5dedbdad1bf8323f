#!/usr/bin/env bash
# Runs every case of the semantic defect corpus through `specproof validate` and prints which
# seeds catch it, with the project's shipped tests and without them (an empty tests folder), the
# finding codes seen, the models the findings name, and whether a finding names a model other than
# the case's own (a wrong-model finding).
#
# Usage: tests/corpus/semantic/customer360/check.sh [SEED...]        (default seeds: 1 2 3 4 5)
#        SPECPROOF_BIN=/path/to/specproof tests/corpus/semantic/customer360/check.sh 1 2 3
#        CASES='stg_orders/*' tests/corpus/semantic/customer360/check.sh   (a glob under tests/corpus/semantic/customer360)
#        CONTROL=1 tests/corpus/semantic/customer360/check.sh 1..20   (also run the correct code, both flavours)
#
# A seed "catches" a case when the run reports at least one finding: the correct code of both
# flavours reports none with the corrected spec. A run that does not print a JSON report (a
# crash, a usage error) is shown as `!` and counted apart. A seed argument `A..B` is a range.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
bin="${SPECPROOF_BIN:-/tmp/specproof-base}"
project="$root/specs/customer360"
spec="$project/spec.corrected.json"

seeds=()
for arg in "$@"; do
    if [[ "$arg" =~ ^([0-9]+)\.\.([0-9]+)$ ]]; then
        for ((s = BASH_REMATCH[1]; s <= BASH_REMATCH[2]; s++)); do seeds+=("$s"); done
    else
        seeds+=("$arg")
    fi
done
[ ${#seeds[@]} -eq 0 ] && seeds=(1 2 3 4 5)

command -v jq >/dev/null || { echo "check.sh needs jq" >&2; exit 2; }
[ -x "$bin" ] || { echo "no specproof binary at $bin (set SPECPROOF_BIN)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty-tests"

# run_case NAME MODEL FILE: prints one table row.
run_case() {
    local name="$1" model="$2" file="$3" ext flavour models dialect=()
    ext="${file##*.}"
    if [ "$ext" = sqlx ]; then
        flavour=sqlx
        models="$project/models"
    else
        flavour=sql
        models="$project/models_duckdb"
        dialect=(--dialect duckdb)
    fi
    local dir="$work/models-$flavour-$RANDOM$RANDOM"
    mkdir -p "$dir"
    cp "$models"/* "$dir"/
    if [ -n "$model" ]; then
        rm -f "$dir/$model.sql" "$dir/$model.sqlx"
        cp "$file" "$dir/$model.$ext"
    fi

    local with=() without=() crashes=0 codes="" named="" out mode seed
    for mode in with without; do
        for seed in "${seeds[@]}"; do
            local tests=()
            [ "$mode" = without ] && tests=(--tests "$work/empty-tests")
            out="$("$bin" validate "$project" --spec "$spec" --models "$dir" "${dialect[@]}" \
                "${tests[@]}" --format json --seed "$seed" 2>"$work/stderr")"
            if ! jq -e '.findings' >/dev/null 2>&1 <<<"$out"; then
                crashes=$((crashes + 1))
                [ "$mode" = with ] && with+=("$seed!") || without+=("$seed!")
                continue
            fi
            if [ "$(jq '.findings | length' <<<"$out")" -gt 0 ]; then
                [ "$mode" = with ] && with+=("$seed") || without+=("$seed")
                codes+=" $(jq -r '[.findings[].code] | join(" ")' <<<"$out")"
                named+=" $(jq -r '[.findings[] | "\(.model // "-")|\(.subject // "-")"] | join(" ")' <<<"$out")"
            fi
        done
    done
    rm -rf "$dir"

    # wrong-model: "code:<m>" when a finding about the code names another model <m> (a defect
    # blamed on the wrong model), "test:<m>" when only a shipped-test finding does (a test of a
    # downstream model that reads the defective one), "no" otherwise.
    local uniq_codes uniq_models wrong="" pair m subj
    uniq_codes="$(tr ' ' '\n' <<<"$codes" | sed '/^$/d' | sort | uniq -c | awk '{printf "%s%s(%s)", sep, $2, $1; sep=","}')"
    uniq_models="$(tr ' ' '\n' <<<"$named" | sed '/^$/d' | cut -d'|' -f1 | sort -u | paste -sd, -)"
    if [ -n "$model" ]; then
        for pair in $(tr ' ' '\n' <<<"$named" | sed '/^$/d' | sort -u); do
            m="${pair%%|*}" subj="${pair#*|}"
            if [ "$m" != "$model" ]; then
                [ "$subj" = test ] && wrong+="test:$m " || wrong+="$subj:$m "
            fi
        done
        wrong="${wrong:-no}"
    else
        [ -n "$uniq_models$uniq_codes" ] && wrong="FALSE-ALARM" || wrong="no"
    fi
    [ "$crashes" -gt 0 ] && wrong="$wrong crash:$crashes"
    printf '%-48s %-20s %-4s %-12s %-12s %-40s %-38s %s\n' "$name" "${model:--}" "$flavour" \
        "$(IFS=,; echo "${with[*]:--}")" "$(IFS=,; echo "${without[*]:--}")" \
        "${uniq_codes:--}" "${uniq_models:--}" "$wrong"
}

printf '%-48s %-20s %-4s %-12s %-12s %-40s %-38s %s\n' case model flav "with-tests" "no-tests" \
    "codes(count over runs)" "models-named" "wrong-model"
printf '%s\n' "$(printf '%.0s-' {1..190})"

if [ "${CONTROL:-0}" = 1 ]; then
    run_case "(control: correct code)" "" "$project/models/none.sqlx"
    run_case "(control: correct code)" "" "$project/models_duckdb/none.sql"
fi

shopt -s nullglob
for file in "$here"/${CASES:-*/*}; do
    case "$file" in *.sql | *.sqlx) ;; *) continue ;; esac
    model="$(basename "$(dirname "$file")")"
    name="$model/$(basename "$file")"
    run_case "${name#*/}" "$model" "$file"
done
