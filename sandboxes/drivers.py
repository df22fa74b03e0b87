"""The two bash programs a sandbox session runs: the session driver and the control shell.

**The session driver never runs the agent's code itself.** Each command runs in a child of
the driver (a subshell, ``enable -n enable``: no loadable builtin, so the child is bash and
nothing else until it runs a program). The child sources the cwd, exports, functions and
aliases the previous command left (a state file it writes in its EXIT trap), evaluates the
command, and exits; the driver ``wait``s for it, so the exit code it reports is the child's
real one, and the command cannot make the driver report an end while it still runs.

The end signal cannot be forged: the harness sends each command as two lines, ``TOKEN CMD``
and ``END``. The driver prints ``\\036UR_BEGIN TOKEN`` before it starts the child and reads the
``END`` line only after the child exited; it then prints ``\\036UR_DONE END CODE OOM``. ``END``
is a fresh random value for each command, held in the driver's input pipe while the command
runs, and the command never sees the driver's descriptors or memory: the child's stdin is
``/dev/null``, and in a container the driver runs as an execute-only copy of bash, which makes
it non-dumpable (``/proc/PID/fd``, ``/proc/PID/mem`` and ptrace are closed to the agent's
user). Anything printed before ``BEGIN`` (late output of earlier background jobs) is not
part of the command's result.

The control shell is started once, idle on ``read``, and kills without forking (bash builtins
only), so it still works when a fork bomb has used up the pids limit. It freezes every process
that appeared since the command began (SIGSTOP, so none can fork again), then kills them. The
command's own shell (the driver's child) is asked to end with SIGTERM instead, so that its
EXIT trap still saves its cwd and exports; if it ignores that, ``killkids`` ends it.
"""

from __future__ import annotations

# Where an execute-only copy of bash is installed in a container (by a root exec at start): a
# process that runs a binary its user cannot read is not dumpable.
SEALED_BASH = "/run/ultrarun/bash"
SEAL_SCRIPT = (
    "set -e; umask 022; mkdir -p /run/ultrarun; b=$(command -v bash); "
    f"cp \"$b\" {SEALED_BASH}.tmp; chmod 0111 {SEALED_BASH}.tmp; "
    f"mv -f {SEALED_BASH}.tmp {SEALED_BASH}")

SENTINEL = b"\x1eUR_"

SESSION_DRIVER = r"""
unset __UR_DRIVER
[[ -n $__UR_FSIZE_KB ]] && ulimit -f "$__UR_FSIZE_KB"
unset __UR_FSIZE_KB
IFS= read -r __ur_hello
__ur_oomc=0
__ur_oom() {
  [[ $__UR_OOM == 1 ]] || return 0
  local __ur_f __ur_k __ur_v
  for __ur_f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
    if [[ -r $__ur_f ]]; then
      while read -r __ur_k __ur_v; do [[ $__ur_k == oom_kill ]] && __ur_oomc=$__ur_v; done \
        < "$__ur_f"
      return 0
    fi
  done
}
__ur_oom
# The state a command leaves for the next one, on a tmpfs when there is one: a truncating
# rewrite on ext4 is flushed at close, which on a busy disk costs milliseconds a command.
__ur_state=$__UR_STATE_DIR/.ultrarun-state-$ULTRARUN_SESSION
[[ -d /dev/shm && -w /dev/shm ]] && __ur_state=/dev/shm/.ultrarun-state-$ULTRARUN_SESSION
__ur_save() {
  unset ULTRARUN_CMD
  { export -p; declare -f; alias -p; printf 'cd -- %q\n' "$PWD"; } > "$__ur_state"
} 2>/dev/null
# The driver's own stderr is not the command's: its notices ("Killed") stay out of results.
exec 2>/dev/null
__ur_sealed=0
[[ -O /proc/$$/fd ]] || __ur_sealed=1
printf '\036UR_READY %s %s %s\n' "$$" "$__ur_oomc" "$__ur_sealed"
while IFS= read -r __ur_line; do
  __ur_tok=${__ur_line%% *}
  __ur_line=${__ur_line#* }
  __ur_up=${__ur_line%% *}  # the kernel's uptime, from the harness (see session.uptime)
  eval "__ur_cmd=${__ur_line#* }"
  __ur_pids=(/proc/[0-9]*)
  # The clock and the pids alive as the command starts: the harness hands them to the
  # killer at a timeout (never a file: the agent could rewrite one).
  printf '\036UR_BEGIN %s %s %s\n' "$__ur_tok" "$__ur_up" "${__ur_pids[*]#/proc/}"
  (
    enable -n enable
    unset -v __ur_line __ur_up __ur_pids __ur_hello __ur_end
    unset -f __ur_oom
    [[ -f $__ur_state ]] && source "$__ur_state"
    export ULTRARUN_CMD=$__ur_tok
    trap 'exit 143' TERM
    trap __ur_save EXIT
    eval "$__ur_cmd"
    # The state is saved even when the command set an EXIT trap of its own.
    __ur_ec=$?
    trap - EXIT
    __ur_save
    exit "$__ur_ec"
  ) < /dev/null 2>&1
  __ur_ec=$?
  IFS= read -r __ur_end
  __ur_oom
  printf '\n\036UR_DONE %s %s %s\n' "$__ur_end" "$__ur_ec" "$__ur_oomc"
done
"""

CONTROL_DRIVER = r"""
unset __UR_DRIVER
exec 2>&1
IFS= read -r __ur_base_up  # the kernel's uptime, from the harness
# What ran before the agent could start anything: `killall` removes all the rest.
__ur_pids=(/proc/[0-9]*)
__ur_base=${__ur_pids[*]#/proc/}
printf '\036UR_READY %s\n' "$$"
declare -A __ur_pre
# $1 = signal, $2 = start ticks (0: any age), $3 = a pid to spare, $4 = a parent whose
# children are spared and listed in __ur_kids; sets __ur_hits
__ur_scan() {
  local d p st fields
  __ur_hits=0
  __ur_kids=()
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [[ $p == "$$" || $p == "$3" ]] && continue
    { read -r st < "$d/stat"; } 2>/dev/null || continue
    st=${st##*) }
    read -ra fields <<< "$st"
    [[ ${fields[0]} == Z ]] && continue
    if [[ -n $4 && ${fields[1]} == "$4" ]]; then __ur_kids+=("$p"); continue; fi
    (( $2 == 0 )) && continue
    [[ $1 == STOP && ${fields[0]} == T ]] && continue
    # New since the command began: absent from its snapshot, or a reused pid (started later).
    if [[ -z ${__ur_pre[$p]} ]] || (( 10#${fields[19]} > $2 + 1 )); then
      kill -s "$1" "$p" 2>/dev/null && __ur_hits=$((__ur_hits + 1))
    fi
  done
}
# kill UPTIME SPARE PARENT PID...: every process started since UPTIME and not among the PIDs
# alive then (SPARE and PARENT: a pid, or -). PARENT's children get SIGTERM, not SIGKILL.
__ur_kill() {
  __ur_ticks=$((10#${1/./}))
  __ur_pre=()
  for __ur_p in "${@:4}"; do __ur_pre[$__ur_p]=1; done
  local spare=${2#-} parent=${3#-}
  __ur_total=0
  for __ur_i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    __ur_scan STOP "$__ur_ticks" "$spare" "$parent"
    (( __ur_hits == 0 )) && break
  done
  # The command's shell: SIGTERM runs its trap (saving cwd and exports) once the process it
  # waits for is gone.
  for __ur_p in "${__ur_kids[@]}"; do kill -s TERM "$__ur_p"; kill -s CONT "$__ur_p"; done
  for __ur_i in 1 2 3 4 5 6 7 8 9 10; do
    __ur_scan KILL "$__ur_ticks" "$spare" "$parent"
    (( __ur_i == 1 )) && __ur_total=$__ur_hits
    (( __ur_hits == 0 )) && break
  done
  printf '\036UR_KILLED %s\n' "$__ur_total"
}
while IFS= read -r __ur_line; do
  read -ra __ur_args <<< "$__ur_line"
  case ${__ur_args[0]} in
    kill) __ur_kill "${__ur_args[@]:1}" ;;
    killall) __ur_kill "$__ur_base_up" "${__ur_args[1]}" - $__ur_base ;;  # killall SPARE
    killkids)  # killkids PARENT: SIGKILL the command's shell that ignored SIGTERM
      __ur_scan KILL 0 "" "${__ur_args[1]}"
      for __ur_p in "${__ur_kids[@]}"; do kill -9 "$__ur_p" 2>/dev/null; done
      printf '\036UR_KILLED %s\n' "${#__ur_kids[@]}" ;;
    killpid)
      kill -9 "${__ur_args[1]}" 2>/dev/null; printf '\036UR_KILLED 1\n' ;;
    *) printf '\036UR_PONG\n' ;;
  esac
done
"""
