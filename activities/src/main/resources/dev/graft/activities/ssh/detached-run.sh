# graft detached run (POSIX sh). A long mutating command runs detached from the SSH session, so a
# worker that dies mid-step does not kill it; the next attempt of the step attaches to it instead
# of starting it again. Set before this text: MODE (attach|launch|prune), DIR (the step's run
# directory; prune: the runs directory), SECS (the command's own deadline), CMD (launch only).
# Each launch keeps its own $DIR/attempt-N/ (pid, log, rc), so every attempt's output stays on the
# node for the post-mortem; attach and the "finished earlier" check look at the latest attempt.
# Markers go to stderr; the command's merged output streams to stdout.
umask 077
if [ "$MODE" = prune ]; then
  # Run directories whose latest attempt has finished (an rc file, no live pid). Nothing else.
  [ -d "$DIR" ] || { echo "pruned 0"; exit 0; }
  n=0
  for d in "$DIR"/*/; do
    [ -d "$d" ] || continue
    live=0
    for a in "$d"attempt-*/; do
      [ -d "$a" ] || continue
      if [ -f "$a/pid" ] && [ ! -f "$a/rc" ] && kill -0 "$(cat "$a/pid")" 2>/dev/null; then live=1; fi
    done
    if [ "$live" = 0 ]; then rm -rf "$d" && n=$((n + 1)); fi
  done
  echo "pruned $n"
  exit 0
fi
mkdir -p "$DIR"
latest() {
  m=0
  for a in "$DIR"/attempt-*; do
    [ -d "$a" ] || continue
    k=${a##*/attempt-}
    case "$k" in '' | *[!0-9]*) continue ;; esac
    [ "$k" -gt "$m" ] && m=$k
  done
  echo "$m"
}
N=$(latest)
RUN="$DIR/attempt-$N"
running() { [ "$N" -gt 0 ] && [ -f "$RUN/pid" ] && [ ! -f "$RUN/rc" ] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; }
follow() {
  pid=$(cat "$RUN/pid")
  tail -n +1 -f --pid="$pid" "$RUN/log" 2>/dev/null
  i=0
  while [ ! -f "$RUN/rc" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  if [ -f "$RUN/rc" ]; then rc=$(cat "$RUN/rc"); else rc=255; echo "graft-run: the command died without an exit status" >&2; fi
  exit "$rc"
}
if running; then
  echo "graft-run: attached to pid $(cat "$RUN/pid") (attempt-$N), started by an earlier attempt" >&2
  follow
fi
if [ "$N" -gt 0 ] && [ -f "$RUN/rc" ] && [ "$(cat "$RUN/rc")" = 0 ]; then
  echo "graft-run: attempt-$N finished earlier with exit 0" >&2
  cat "$RUN/log"
  exit 0
fi
if [ "$MODE" = attach ]; then
  echo "graft-run: none" >&2
  exit 0
fi
# Run directories of other steps untouched for 7 days are pruned here too, in case the operation
# that made them never ended cleanly (its own prune never ran). Only direct children of the runs
# directory, never this step's.
find "${DIR%/*}" -mindepth 1 -maxdepth 1 -type d -mtime +7 ! -path "$DIR" -exec rm -rf {} + 2>/dev/null || true
# A failed or interrupted earlier attempt stays in its own directory beside the new one.
N=$((N + 1))
RUN="$DIR/attempt-$N"
mkdir -p "$RUN"
: >"$RUN/log"
# Double fork: the subshell exits at once, so the run is nobody's child in this session (an SSH
# server that kills the session's process tree does not reach it), and setsid puts it in a
# session of its own (a hangup or a deadline signal to this one does not reach it either).
( setsid sh -c 'echo $$ >"$2/pid.tmp" && mv "$2/pid.tmp" "$2/pid"
  timeout -k 10 "$3" sh -c "$1" </dev/null >>"$2/log" 2>&1
  echo $? >"$2/rc.tmp" && mv "$2/rc.tmp" "$2/rc"' graft-run "$CMD" "$RUN" "$SECS" \
  </dev/null >/dev/null 2>&1 & )
i=0
while [ ! -f "$RUN/pid" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -f "$RUN/pid" ] || { echo "graft-run: the command did not start" >&2; exit 255; }
echo "graft-run: started pid $(cat "$RUN/pid") (attempt-$N)" >&2
follow
