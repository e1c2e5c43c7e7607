# graft detached run (POSIX sh). A long mutating command runs detached from the SSH session, so a
# worker that dies mid-step does not kill it; the next attempt of the step attaches to it instead
# of starting it again. Set before this text: MODE (attach|launch), DIR (the run's directory),
# SECS (the command's own deadline), CMD (the command; only in launch mode).
# Markers go to stderr; the command's merged output streams to stdout.
umask 077
mkdir -p "$DIR"
running() { [ -f "$DIR/pid" ] && [ ! -f "$DIR/rc" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; }
follow() {
  pid=$(cat "$DIR/pid")
  tail -n +1 -f --pid="$pid" "$DIR/log" 2>/dev/null
  i=0
  while [ ! -f "$DIR/rc" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  if [ -f "$DIR/rc" ]; then rc=$(cat "$DIR/rc"); else rc=255; echo "graft-run: the command died without an exit status" >&2; fi
  exit "$rc"
}
if running; then
  echo "graft-run: attached to pid $(cat "$DIR/pid"), started by an earlier attempt" >&2
  follow
fi
if [ -f "$DIR/rc" ] && [ "$(cat "$DIR/rc")" = 0 ]; then
  echo "graft-run: finished earlier with exit 0" >&2
  cat "$DIR/log"
  exit 0
fi
if [ "$MODE" = attach ]; then
  echo "graft-run: none" >&2
  exit 0
fi
# A failed or interrupted earlier run is kept beside the new one for the post-mortem.
if [ -f "$DIR/log" ]; then
  n=1
  while [ -e "$DIR/log.$n" ]; do n=$((n + 1)); done
  mv "$DIR/log" "$DIR/log.$n"
fi
rm -f "$DIR/rc" "$DIR/pid" "$DIR/pid.tmp"
: >"$DIR/log"
# Double fork: the subshell exits at once, so the run is nobody's child in this session (an SSH
# server that kills the session's process tree does not reach it), and setsid puts it in a
# session of its own (a hangup or a deadline signal to this one does not reach it either).
( setsid sh -c 'echo $$ >"$2/pid.tmp" && mv "$2/pid.tmp" "$2/pid"
  timeout -k 10 "$3" sh -c "$1" </dev/null >>"$2/log" 2>&1
  echo $? >"$2/rc.tmp" && mv "$2/rc.tmp" "$2/rc"' graft-run "$CMD" "$DIR" "$SECS" \
  </dev/null >/dev/null 2>&1 & )
i=0
while [ ! -f "$DIR/pid" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -f "$DIR/pid" ] || { echo "graft-run: the command did not start" >&2; exit 255; }
echo "graft-run: started pid $(cat "$DIR/pid")" >&2
follow
