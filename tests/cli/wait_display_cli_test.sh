#!/usr/bin/env bash
# What a person sees while Graph's limits make an apply wait: under tmux (a real terminal), the
# progress line counts the wait down with its reason, and is cleared when the wait is over.
# Usage: wait_display_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
if ! command -v tmux >/dev/null; then
  check "tmux is installed (scripts/bootstrap installs it)" false
  finish "wait display"
fi
cp -r examples/restrict-managed-identities "$work/m"
serve_tenant --faults write-quota=2/20  # two writes per 20 s: the apply must wait for the rest
sock="entragate-wait-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; kill $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$work"' EXIT
printf '#!/usr/bin/env bash\nexport AZURE_CLIENT_ID=%q AZURE_TENANT_ID=%q AZURE_CLIENT_SECRET=%q\n%q apply --auto-approve %q %s\necho "EXIT=$?"\nsleep 120\n' \
  "$AZURE_CLIENT_ID" "$AZURE_TENANT_ID" "$AZURE_CLIENT_SECRET" "$bin" "$work/m" "$(printf '%q ' "${g[@]}")" >"$work/run.sh"
tmux -L "$sock" new-session -d -x 220 -y 30 "bash $work/run.sh"
seen_wait=""
for _ in $(seq 240); do
  pane=$(tmux -L "$sock" capture-pane -p)
  if [[ -z "$seen_wait" && "$pane" =~ (Graph\ write\ quota|Graph\ throttling\ \(429\)):\ waiting\ [0-9]+\ s ]]; then seen_wait=$pane; fi
  [[ "$pane" == *"EXIT="* ]] && break
  sleep 0.5
done
check "while it waits, the terminal says why and counts down (elapsed, reason, seconds left)" \
  bash -c '[[ "$1" =~ [0-9]+:[0-9]{2}\ elapsed\ ·\ Graph\ (write\ quota|throttling\ \(429\)):\ waiting\ [0-9]+\ s ]]' _ "$seen_wait"
check "the apply then completes (exit 0)" contains "$pane" "EXIT=0"
check "… and the countdown line is gone" bash -c '[[ "$1" != *"waiting "*" s"* ]]' _ "$pane"
finish "wait display"
