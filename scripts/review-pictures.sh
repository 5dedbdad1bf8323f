#!/bin/sh
# Writes the PNGs checked in under golden/ for people to look at (not compared by any test:
# a PNG depends on the fonts and the renderer): each example pipeline's diagram, the lineage
# diagrams of customer360, and a screenshot of customer360's review page.
#
#   scripts/review-pictures.sh      (from the repository root, after SPECPROOF_UPDATE_GOLDEN=1
#                                    cargo test --locked --test it diagram review)
#
# Needs rsvg-convert (Debian's librsvg2-bin) and chromium.
set -eu
command -v rsvg-convert >/dev/null || { echo "review-pictures: apt-get install librsvg2-bin" >&2; exit 2; }
for svg in golden/*/diagram/pipeline.svg golden/customer360/diagram/lineage/*.svg; do
    rsvg-convert --background-color=white "$svg" -o "${svg%.svg}.png"
done
scripts/check-review-page.sh golden/customer360/review/review.html golden/customer360/review/review.png
