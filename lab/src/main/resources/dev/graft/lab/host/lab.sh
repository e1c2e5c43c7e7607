# graft lab host library: /usr/local/lib/graft-lab/lab.sh inside every lab host.
# POSIX sh (dash and bash). Stand-ins and wrappers source it:
#   . "${GRAFT_LAB_ROOT:-}/usr/local/lib/graft-lab/lab.sh"
# GRAFT_LAB_ROOT is empty in netns hosts and the sandbox directory in in-process hosts: put it
# before every absolute path a script touches, so the same script works in both kinds.

GRAFT_LAB_STATE="${GRAFT_LAB_ROOT:-}/run/graft-lab"
GRAFT_LAB_LOGDIR="${GRAFT_LAB_ROOT:-}/var/log/graft-lab"

# Shell-quotes one argument (only when needed) for the mutation log.
graft_lab_quote() {
  case "$1" in
    '') printf "''" ;;
    *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g" | tr '\n\t' '  ')" ;;
    *) printf '%s' "$1" ;;
  esac
}

# graft_lab_mutation COMMAND [ARGS...]: appends one line to the host's mutation log,
#   <UTC ISO-8601 time> TAB <command> TAB <quoted args>
# Call it once per mutating action (kubeadm join, systemctl start, ...), not for read-only ones,
# so tests can assert that each mutating step ran exactly once per host.
graft_lab_mutation() {
  _gl_cmd="$1"; shift
  _gl_args=""
  for _gl_a in "$@"; do
    _gl_args="$_gl_args${_gl_args:+ }$(graft_lab_quote "$_gl_a")"
  done
  mkdir -p "$GRAFT_LAB_LOGDIR"
  # One write with O_APPEND: concurrent writers never interleave within a line.
  printf '%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$_gl_cmd" "$_gl_args" \
    >>"$GRAFT_LAB_LOGDIR/mutations.log"
}

# _gl_take FILE: FILE holds "N VALUE"; when N > 0, decrements N (under flock) and prints VALUE
# (default 1). Prints nothing otherwise.
_gl_take() {
  [ -f "$1" ] || return 0
  (
    exec 9<"$1"
    flock 9
    read -r _gl_n _gl_c _gl_rest <"$1" || true
    case "$_gl_n" in '' | *[!0-9]*) exit 0 ;; esac
    if [ "$_gl_n" -gt 0 ]; then
      echo "$((_gl_n - 1)) ${_gl_c:-1}" >"$1"
      echo "${_gl_c:-1}"
    fi
  )
}

# graft_lab_maybe_fail COMMAND: when the lab armed a failure for COMMAND
# (/run/graft-lab/fail/COMMAND holds "N EXITCODE" with N > 0), decrements N, prints a message and
# exits the calling script with EXITCODE. Otherwise returns 0.
graft_lab_maybe_fail() {
  _gl_code=$(_gl_take "$GRAFT_LAB_STATE/fail/$1")
  if [ -n "$_gl_code" ]; then
    echo "graft-lab: injected failure of $1 (exit $_gl_code)" >&2
    exit "$_gl_code"
  fi
}

# graft_lab_maybe_delay COMMAND: when the lab armed a delay for COMMAND
# (/run/graft-lab/delay/COMMAND holds "N SECONDS" with N > 0), decrements N and sleeps SECONDS.
graft_lab_maybe_delay() {
  _gl_s=$(_gl_take "$GRAFT_LAB_STATE/delay/$1")
  if [ -n "$_gl_s" ]; then sleep "$_gl_s"; fi
}

# graft_lab_fault_hooks COMMAND [ARGS...]: what every armable command runs first (the fault
# wrapper and the stand-ins' launchers): an armed failure exits the calling script, and an armed
# recording appends the call to the mutation log (before an armed delay: a test sees the call
# while it is held).
graft_lab_fault_hooks() {
  graft_lab_maybe_fail "$1"
  if [ -f "$GRAFT_LAB_STATE/record/$1" ]; then graft_lab_mutation "$@"; fi
  graft_lab_maybe_delay "$1"
}

# graft_lab_real COMMAND: the first COMMAND on PATH that is not a graft-lab wrapper.
graft_lab_real() {
  _gl_old_ifs="$IFS"; IFS=:
  for _gl_d in $PATH; do
    if [ -x "$_gl_d/$1" ] && [ ! -d "$_gl_d/$1" ] && ! grep -q 'graft-lab fault wrapper' "$_gl_d/$1" 2>/dev/null; then
      IFS="$_gl_old_ifs"; printf '%s\n' "$_gl_d/$1"; return 0
    fi
  done
  IFS="$_gl_old_ifs"
  return 1
}

_gl_pidfile() { printf '%s\n' "$GRAFT_LAB_STATE/daemons/$1.pid"; }

# graft_lab_alive PID: 0 when PID runs (a zombie has exited and counts as dead).
graft_lab_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  _gl_st=$(sed -n 's/^.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
  [ "$_gl_st" != Z ] && [ "$_gl_st" != X ]
}

# graft_lab_daemon_running NAME: 0 when the daemon's PID file names a live process.
graft_lab_daemon_running() {
  _gl_p=$(cat "$(_gl_pidfile "$1")" 2>/dev/null) || return 1
  [ -n "$_gl_p" ] && graft_lab_alive "$_gl_p"
}

# graft_lab_daemon_start NAME ARGV...: starts ARGV detached (own session), PID in
# /run/graft-lab/daemons/NAME.pid, output appended to /var/log/graft-lab/NAME.log.
# A running daemon is left alone (idempotent).
graft_lab_daemon_start() {
  _gl_name="$1"; shift
  graft_lab_daemon_running "$_gl_name" && return 0
  mkdir -p "$GRAFT_LAB_STATE/daemons" "$GRAFT_LAB_LOGDIR"
  setsid "$@" </dev/null >>"$GRAFT_LAB_LOGDIR/$_gl_name.log" 2>&1 &
  echo $! >"$(_gl_pidfile "$_gl_name")"
}

# graft_lab_daemon_stop NAME: TERM, then KILL after 5 s. 0 when it is (now) stopped.
graft_lab_daemon_stop() {
  _gl_pf="$(_gl_pidfile "$1")"
  _gl_p=$(cat "$_gl_pf" 2>/dev/null) || return 0
  if [ -n "$_gl_p" ] && graft_lab_alive "$_gl_p"; then
    kill -TERM "$_gl_p" 2>/dev/null || true
    _gl_i=0
    while graft_lab_alive "$_gl_p" && [ "$_gl_i" -lt 50 ]; do sleep 0.1; _gl_i=$((_gl_i + 1)); done
    kill -KILL "$_gl_p" 2>/dev/null || true
  fi
  rm -f "$_gl_pf"
}
