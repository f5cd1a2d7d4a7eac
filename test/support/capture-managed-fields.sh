#!/usr/bin/env bash
# Captures what each kubectl verb does to a Deployment's managedFields on a live cluster, as the fixture of
# libs/diff/src/actor.spec.ts: one step per verb, with the object before and after (metadata and spec).
#
#   eval "$(scripts/cluster env)"; bash test/support/capture-managed-fields.sh > test/support/live-managed-fields.json
set -euo pipefail

ns="ia-mf-$RANDOM"
kubectl create namespace "$ns" >/dev/null
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT

manifest() { # memory-limit replicas
  cat <<EOF
{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "web", "namespace": "$ns", "labels": {"app": "web"}},
 "spec": {"replicas": $2, "selector": {"matchLabels": {"app": "web"}},
  "template": {"metadata": {"labels": {"app": "web"}},
   "spec": {"containers": [{"name": "server", "image": "nginx:1.27",
     "env": [{"name": "MODE", "value": "a"}, {"name": "LEVEL", "value": "1"}],
     "resources": {"limits": {"memory": "$1"}}}]}}}}
EOF
}

get() { kubectl -n "$ns" get deployment web -o json --show-managed-fields | jq '{apiVersion, kind, metadata: (.metadata | del(.resourceVersion, .uid, .creationTimestamp, .generation)), spec}'; }

steps=()
step() { # verb command...
  local verb="$1" before after
  shift
  before="$(get)"
  sleep 1.1 # managedFields times have a resolution of one second
  "$@" >/dev/null
  after="$(get)"
  steps+=("$(jq -n --arg verb "$verb" --argjson before "$before" --argjson after "$after" '{verb: $verb, before: $before, after: $after}')")
}

manifest 128Mi 2 | kubectl apply -f - >/dev/null
step 'kubectl scale' kubectl -n "$ns" scale deployment web --replicas=3
step 'kubectl scale (again)' kubectl -n "$ns" scale deployment web --replicas=4
step 'kubectl rollout restart' kubectl -n "$ns" rollout restart deployment web
step 'kubectl set image' kubectl -n "$ns" set image deployment/web server=nginx:1.28
step 'kubectl patch' kubectl -n "$ns" patch deployment web -p '{"spec":{"minReadySeconds":5}}'
step 'kubectl edit' env EDITOR='sed -i s/minReadySeconds:\ 5/minReadySeconds:\ 7/' kubectl -n "$ns" edit deployment web
step 'kubectl set env (removes LEVEL)' kubectl -n "$ns" set env deployment/web LEVEL-
step 'kubectl apply (client side)' sh -c "$(declare -f manifest); ns=$ns; manifest 96Mi 4 | kubectl apply -f -"
step 'kubectl apply --server-side' sh -c "$(declare -f manifest); ns=$ns; manifest 64Mi 4 | kubectl apply --server-side --force-conflicts -f -"
step 'kubectl scale (after server-side apply)' kubectl -n "$ns" scale deployment web --replicas=2
step 'kubectl scale to zero' kubectl -n "$ns" scale deployment web --replicas=0

printf '%s\n' "${steps[@]}" | jq -s '{captured: "test/support/capture-managed-fields.sh against scripts/cluster (kube-apiserver v1.32.13)", steps: .}'
