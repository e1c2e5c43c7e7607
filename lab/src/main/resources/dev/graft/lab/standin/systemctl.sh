# systemctl stand-in (Graft lab; see docs/standins.md). There is no systemd inside a lab host:
# this script starts a unit's ExecStart detached (setsid) with a PID file, and answers
# status/is-active/is-enabled from that PID. ROOT is set above by the installer.
set -u
UNIT_DIRS=("$ROOT/etc/systemd/system" "$ROOT/lib/systemd/system" "$ROOT/usr/lib/systemd/system")
STATE="$ROOT/run/graft-lab/units"
LOGS="$ROOT/var/log/graft-lab"
WANTS="$ROOT/etc/systemd/system/multi-user.target.wants"

unit_name() { case "$1" in *.service|*.socket|*.target) echo "$1" ;; *) echo "$1.service" ;; esac; }
unit_file() {
  local d
  for d in "${UNIT_DIRS[@]}"; do
    if [ -f "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  return 1
}
pid_file() {
  local pf
  pf=$(sed -n 's/^PIDFile=//p' "$1" | tail -n1)
  if [ -n "$pf" ]; then echo "$ROOT$pf"; else echo "$STATE/$2.pid"; fi
}
BTIME=$(awk '/^btime/ {print $2}' /proc/stat)
HZ=$(getconf CLK_TCK)
is_running() {
  local pf="$1" pid fields started
  [ -f "$pf" ] || return 1
  pid=$(cat "$pf" 2>/dev/null)
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A process that started after the PID file was written is a reused PID: not ours.
  fields=$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null) || return 1
  set -- $fields
  started=$(( BTIME + ${20} / HZ ))
  [ "$started" -le $(( $(stat -c %Y "$pf" 2>/dev/null || echo 0) + 1 )) ]
}

unit_type() { sed -n 's/^Type=//p' "$1" | tail -n1; }
remains() { [ "$(sed -n 's/^RemainAfterExit=//p' "$1" | tail -n1)" = yes ]; }

# Runs the unit's ExecStart with its Environment= and EnvironmentFile= settings: detached with
# its PID in $2 (simple units), or in the foreground, returning its exit code (oneshot units).
run_exec_start() {
  local uf="$1" pf="$2" u="$3" mode="$4"
  (
    set +u  # systemd expands unset variables to nothing
    # Environment= and EnvironmentFile= (a leading "-" makes the file optional), as systemd.
    while IFS= read -r line; do
      case "$line" in
        Environment=*) eval "export ${line#Environment=}" ;;
        EnvironmentFile=*)
          f="${line#EnvironmentFile=}"; optional=0
          if [ "${f#-}" != "$f" ]; then optional=1; f="${f#-}"; fi
          if [ -f "$ROOT$f" ]; then set -a; . "$ROOT$f"; set +a
          elif [ "$optional" = 0 ]; then echo "Failed to load environment files" >&2; exit 1; fi ;;
      esac
    done < "$uf"
    exec_line=$(sed -n 's/^ExecStart=//p' "$uf" | head -n1)
    exec_line="${exec_line#-}"
    [ -n "$exec_line" ] || { echo "$u has no ExecStart=" >&2; exit 1; }
    eval "set -- $exec_line"
    bin="$1"; shift
    # The host's own copy of a binary wins (stand-ins under the sandbox root); else the machine's.
    if [ -x "$ROOT$bin" ]; then bin="$ROOT$bin"; fi
    cd "$ROOT/"
    if [ "$mode" = foreground ]; then
      GRAFT_LAB_ROOT="$ROOT" "$bin" "$@" >>"$LOGS/$u.log" 2>&1 </dev/null 9>&-
      exit $?
    fi
    # Not holding the unit's job lock (fd 9): the service outlives this job.
    GRAFT_LAB_ROOT="$ROOT" setsid "$bin" "$@" >>"$LOGS/$u.log" 2>&1 </dev/null 9>&- &
    echo $! > "$pf"
    # systemd keeps a started unit loaded until it stops, even when its file is deleted (and
    # daemon-reload runs): stop and is-active must still find it, so its PID file is remembered.
    echo "$pf" > "$STATE/$u.loaded"
  )
}

# The PID file of a unit: from its unit file, else from a start that is still loaded.
loaded_pid_file() {
  local u="$1" uf
  if uf=$(unit_file "$u"); then pid_file "$uf" "$u"; return 0; fi
  [ -f "$STATE/$u.loaded" ] && cat "$STATE/$u.loaded"
}

# systemd runs one job at a time per unit: a stop waits for a start in flight (and the reverse).
locked() {
  local u="$1"; shift
  mkdir -p "$STATE"
  ( flock 9; "$@" ) 9>"$STATE/$u.lock"
}

do_start() {
  local u="$1" uf pf
  uf=$(unit_file "$u") || { echo "Failed to start $u: Unit $u not found." >&2; return 5; }
  mkdir -p "$LOGS" "$STATE"
  if [ "$(unit_type "$uf")" = oneshot ]; then
    # Type=oneshot: start returns when ExecStart has finished; with RemainAfterExit=yes the unit
    # then stays active (until stop or a reboot clears /run), so a second start runs nothing.
    remains "$uf" && [ -f "$STATE/$u.active" ] && return 0
    if ! run_exec_start "$uf" "" "$u" foreground; then
      echo "Job for $u failed because the control process exited with error code." >&2
      echo "See \"systemctl status $u\" and \"journalctl -xeu $u\" for details." >&2
      return 1
    fi
    if remains "$uf"; then : > "$STATE/$u.active"; fi
    return 0
  fi
  pf=$(pid_file "$uf" "$u")
  is_running "$pf" && return 0
  mkdir -p "$(dirname "$pf")"
  run_exec_start "$uf" "$pf" "$u" background || return 1
  sleep 0.3
  if ! is_running "$pf"; then
    echo "Job for $u failed because the control process exited with error code." >&2
    echo "See \"systemctl status $u\" and \"journalctl -xeu $u\" for details." >&2
    return 1
  fi
}

do_restart() { do_stop "$1" || true; do_start "$1"; }

# Active: a simple unit whose process runs, or a oneshot unit that remained after exit.
unit_active() {
  local uf="$1" u="$2"
  if [ "$(unit_type "$uf")" = oneshot ]; then
    [ -f "$STATE/$u.active" ]
  else
    is_running "$(pid_file "$uf" "$u")"
  fi
}

do_stop() {
  local u="$1" pf pid i
  pf=$(loaded_pid_file "$u") || { echo "Failed to stop $u: Unit $u not loaded." >&2; return 5; }
  rm -f "$STATE/$u.active" "$STATE/$u.loaded"
  if is_running "$pf"; then
    pid=$(cat "$pf")
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$pf"
}

do_status() {
  local u="$1" uf pf state en
  uf=$(unit_file "$u") || { echo "Unit $u could not be found." >&2; return 4; }
  pf=$(pid_file "$uf" "$u")
  en=disabled; { [ -L "$WANTS/$u" ] || [ -e "$WANTS/$u" ]; } && en=enabled
  echo "● $u - $(sed -n 's/^Description=//p' "$uf" | head -n1)"
  echo "     Loaded: loaded (${uf#$ROOT}; $en; preset: enabled)"
  if [ "$(unit_type "$uf")" = oneshot ] && unit_active "$uf" "$u"; then
    echo "     Active: active (exited)"
    return 0
  fi
  if is_running "$pf"; then
    echo "     Active: active (running)"
    echo "   Main PID: $(cat "$pf")"
    return 0
  fi
  echo "     Active: inactive (dead)"
  return 3
}

QUIET=0; NOW=0; CMD=""; UNITS=()
for a in "$@"; do
  case "$a" in
    -q|--quiet) QUIET=1 ;;
    --now) NOW=1 ;;
    --no-pager|--no-block|--no-ask-password|--system|-l|--full) ;;
    -*) echo "systemctl: unrecognized option '$a'" >&2; exit 1 ;;
    *) if [ -z "$CMD" ]; then CMD="$a"; else UNITS+=("$a"); fi ;;
  esac
done
for u in "${UNITS[@]+"${UNITS[@]}"}"; do
  if ! [[ "$u" =~ ^[A-Za-z0-9@._-]+$ ]]; then echo "Invalid unit name \"$u\"" >&2; exit 1; fi
done
need_units() { if [ ${#UNITS[@]} -eq 0 ]; then echo "Too few arguments." >&2; exit 1; fi; }

rc=0
case "$CMD" in
  start|stop|restart|reload|try-restart|reload-or-restart)
    need_units
    for u in "${UNITS[@]}"; do
      u=$(unit_name "$u")
      case "$CMD" in
        start) locked "$u" do_start "$u" || rc=$? ;;
        stop) locked "$u" do_stop "$u" || rc=$? ;;
        *) locked "$u" do_restart "$u" || rc=$? ;;
      esac
    done ;;
  status)
    need_units
    for u in "${UNITS[@]}"; do do_status "$(unit_name "$u")" || rc=$?; done ;;
  is-active)
    need_units
    for u in "${UNITS[@]}"; do
      u=$(unit_name "$u")
      if { uf=$(unit_file "$u") && unit_active "$uf" "$u"; } \
          || { ! unit_file "$u" >/dev/null && pf=$(loaded_pid_file "$u") && is_running "$pf"; }; then
        [ "$QUIET" = 1 ] || echo active
      else
        [ "$QUIET" = 1 ] || echo inactive; rc=3
      fi
    done ;;
  is-enabled)
    need_units
    for u in "${UNITS[@]}"; do
      u=$(unit_name "$u")
      if ! unit_file "$u" >/dev/null; then
        echo "Failed to get unit file state for $u: No such file or directory" >&2; rc=1
      elif [ -L "$WANTS/$u" ] || [ -e "$WANTS/$u" ]; then [ "$QUIET" = 1 ] || echo enabled
      else [ "$QUIET" = 1 ] || echo disabled; rc=1; fi
    done ;;
  enable|disable)
    need_units
    for u in "${UNITS[@]}"; do
      u=$(unit_name "$u")
      uf=$(unit_file "$u") || { echo "Failed to $CMD unit: Unit file $u does not exist." >&2; rc=1; continue; }
      if [ "$CMD" = enable ]; then
        mkdir -p "$WANTS"
        if [ ! -L "$WANTS/$u" ] && [ ! -e "$WANTS/$u" ]; then
          ln -sf "${uf#$ROOT}" "$WANTS/$u"
          [ "$QUIET" = 1 ] || echo "Created symlink /etc/systemd/system/multi-user.target.wants/$u → ${uf#$ROOT}."
        fi
        [ "$NOW" = 1 ] && { do_start "$u" || rc=$?; }
      else
        if [ -L "$WANTS/$u" ] || [ -e "$WANTS/$u" ]; then
          rm -f "$WANTS/$u"
          [ "$QUIET" = 1 ] || echo "Removed \"/etc/systemd/system/multi-user.target.wants/$u\"."
        fi
        [ "$NOW" = 1 ] && { do_stop "$u" || rc=$?; }
      fi
    done ;;
  daemon-reload) ;;
  "") echo "systemctl stand-in: missing command" >&2; rc=1 ;;
  *) echo "Unknown command verb '$CMD'." >&2; rc=1 ;;
esac
exit $rc
