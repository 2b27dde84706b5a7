#!/bin/bash
# Submits an edgesim sweep as a Slurm job array of N shards plus a merge job
# that runs when all of them succeeded.
#   deploy/slurm/submit.sh EXPERIMENT N [MAX_PARALLEL]
# e.g. deploy/slurm/submit.sh experiments/quickstart.toml 4
# Results: output/<experiment name>/ (shards in output/<name>/shards/).
# Extra sbatch options for both jobs (they override the #SBATCH lines):
#   SBATCH_OPTIONS="--partition=short --cpus-per-task=32" deploy/slurm/submit.sh ...
set -euo pipefail
EXPERIMENT=${1:?usage: submit.sh EXPERIMENT N [MAX_PARALLEL]}
N=${2:?usage: submit.sh EXPERIMENT N [MAX_PARALLEL]}
MAX_PARALLEL=${3:-$N}
EDGESIM=${EDGESIM:-./target/release/edgesim}
export EDGESIM
# Check the file before queueing anything; the name gives the output folder.
NAME=$("$EDGESIM" check "$EXPERIMENT" | sed -n 's/^ok: \([^ ]*\) .*/\1/p')
OUT=${OUT:-output/$NAME}
mkdir -p logs
read -r -a EXTRA <<< "${SBATCH_OPTIONS:-}"
ARRAY=$(sbatch --parsable "${EXTRA[@]}" --array="0-$((N - 1))%${MAX_PARALLEL}" \
    --export=ALL,N="$N",EXPERIMENT="$EXPERIMENT",OUT="$OUT" \
    deploy/slurm/sweep.sbatch)
MERGE=$(sbatch --parsable "${EXTRA[@]}" --dependency=afterok:"$ARRAY" \
    --export=ALL,N="$N",OUT="$OUT" \
    deploy/slurm/merge.sbatch)
echo "array job $ARRAY ($N shards), merge job $MERGE -> $OUT"
