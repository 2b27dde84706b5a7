#!/bin/bash
# Runs the sweep of sweep-job.yaml on the current kubectl context, merges
# it, and copies the merged output to ./output/quickstart.
set -euo pipefail
cd "$(dirname "$0")"
kubectl apply -f pvc.yaml
kubectl delete job edgesim-sweep edgesim-merge --ignore-not-found
kubectl apply -f sweep-job.yaml
kubectl wait --for=condition=complete job/edgesim-sweep --timeout=6h
kubectl apply -f merge-job.yaml
kubectl wait --for=condition=complete job/edgesim-merge --timeout=1h
kubectl apply -f fetch-pod.yaml
kubectl wait --for=condition=ready pod/edgesim-fetch --timeout=5m
mkdir -p ../../output
kubectl cp edgesim-fetch:/results/quickstart ../../output/quickstart
kubectl delete pod edgesim-fetch
echo "merged output in output/quickstart (report.html, summary.csv, ...)"
