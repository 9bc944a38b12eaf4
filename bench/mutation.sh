#!/usr/bin/env bash
# Mutation testing of analysis/ and the suppression and anonymity code, with exactly the
# [tool.mutmut] configuration in pyproject.toml, then the score per module and scope
# (bench/mutation_score.py; equivalent mutants are listed in bench/mutation_equivalent.txt).
#
#   bench/mutation.sh                 # the whole run, about 30 minutes on 2 cores
#   bench/mutation.sh --survivors     # also list surviving mutants outside the scored scope
#   MUTANTS='analysis.compare.*' bench/mutation.sh   # rerun some mutants (mutmut globs)
#
# Not part of `make test`. Scored: every mutant of analysis/ (charts.py is not mutated:
# drawing only), of survey/invitations/tokens.py and response_rate.py, and of
# exports.background_plan and journey.complete_response; the other functions of those two
# files are mutated too (mutmut mutates files) but not run here.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MUTMUT_VERSION=3.8.1
SCOPE=(
    'analysis.*'
    'survey.invitations.*'
    'survey.reporting.exports.x_background_plan__mutmut_*'
    'survey.responding.journey.x_complete_response__mutmut_*'
)
if ! "$BIN/mutmut" --version 2>/dev/null | grep -q "$MUTMUT_VERSION"; then
    "$BIN/pip" install --quiet "mutmut==$MUTMUT_VERSION"
fi
if [ -z "${MUTANTS:-}" ]; then
    rm -rf mutants  # a fresh copy: no result cached from an earlier source
    read -r -a names <<< "${SCOPE[*]}"
else
    read -r -a names <<< "$MUTANTS"
fi
mkdir -p mutants
echo "mutmut $MUTMUT_VERSION run ${names[*]} (log: mutants/run.log)"
timeout "${MUTATION_TIMEOUT:-5400}" "$BIN/mutmut" run --max-children "${MUTATION_JOBS:-2}" \
    "${names[@]}" > mutants/run.log 2>&1 || { tail -c 2000 mutants/run.log; exit 1; }
"$BIN/mutmut" results --all true > mutants/results.txt
"$BIN/python" bench/mutation_score.py "$@" < mutants/results.txt
