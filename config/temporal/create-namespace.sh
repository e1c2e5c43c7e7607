#!/bin/sh
# One-shot job (temporalio/admin-tools): create Graft's namespace with its retention, or set the
# retention on the existing namespace, so a changed GRAFT_NAMESPACE_RETENTION takes effect on the
# next `docker compose up`.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${GRAFT_NAMESPACE:?}" "${GRAFT_NAMESPACE_RETENTION:?}"

i=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then echo "create-namespace: Temporal at $TEMPORAL_ADDRESS is not healthy after 150 s" >&2; exit 1; fi
  sleep 5
done

if temporal operator namespace describe -n "$GRAFT_NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  temporal operator namespace update -n "$GRAFT_NAMESPACE" --retention "$GRAFT_NAMESPACE_RETENTION" \
    --address "$TEMPORAL_ADDRESS"
  echo "create-namespace: $GRAFT_NAMESPACE exists; retention $GRAFT_NAMESPACE_RETENTION"
else
  temporal operator namespace create -n "$GRAFT_NAMESPACE" --retention "$GRAFT_NAMESPACE_RETENTION" \
    --address "$TEMPORAL_ADDRESS"
  echo "create-namespace: created $GRAFT_NAMESPACE with retention $GRAFT_NAMESPACE_RETENTION"
fi
