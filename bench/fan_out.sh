#!/usr/bin/env bash
# Benchmark: a step on 20 hosts at `serial = 10`, the whole journaled run, against
# `xargs -P 10 ssh` running the same command on the same 20 hosts with the same ssh options.
# The hosts are 20 aliases of one private sshd on a loopback port (as in tests/it/hosts.rs), so
# both sides pay the same handshakes. Paired medians of 21 runs; needs /usr/sbin/sshd.
#
#   bash bench/fan_out.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

cargo build --release --quiet
work=$(mktemp -d)
sshd_pid=
cleanup() {
    [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p /run/sshd 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxStartups 200
MaxSessions 100
LogLevel ERROR
CONF
echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$work/host_key.pub")" >"$work/known_hosts"
hosts=$(for n in $(seq 1 20); do printf 'node-%d ' "$n"; done)
cat >"$work/ssh_config" <<CONF
Host $hosts
  HostName 127.0.0.1
  Port $port
Host *
  User $(id -un)
  IdentityFile $work/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $work/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 100); do
    ssh -F "$work/ssh_config" node-1 true 2>/dev/null && break
    sleep 0.05
done

host_list=$(for n in $(seq 1 20); do printf '"node-%d", ' "$n"; done)
cat >"$work/fleet.toml" <<TOML
[runbook]
name = "fleet"
ssh_command = ["ssh", "-F", "$work/ssh_config"]

[hosts]
nodes = [${host_list%, }]

[[phase]]
id = "p"

[[phase.step]]
id = "uptime"
kind = "command"
on = "nodes"
serial = 10
run = "uptime"
TOML
./target/release/cutover check "$work/fleet.toml" >/dev/null

cutover_run() {
    ./target/release/cutover run "$work/fleet.toml" --headless --auto --drill --log-dir "$work/runs"
}
xargs_ssh() {
    printf '%s\n' $hosts | xargs -P 10 -I{} ssh -F "$work/ssh_config" -o BatchMode=yes {} uptime
}
cutover_run >/dev/null 2>&1   # warm
# FAN_OUT_TRACE=1: four single runs, each with the CPU time the whole machine spent (ssh,
# sshd and cutover alike), to tell waiting from working.
if [ -n "${FAN_OUT_TRACE:-}" ]; then
    cpu() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat; }
    for what in cutover_run xargs_ssh cutover_run xargs_ssh; do
        a=$(cpu); t=$(time_ms $what); b=$(cpu); echo "$what wall ${t} ms, machine cpu $(( (b - a) * 10 )) ms"
    done
    exit 0
fi
# What `serial = 10` means by itself: the second ten start when all of the first ten ended
# (xargs keeps ten going; a wave waits for its slowest host).
xargs_waves() {
    printf '%s\n' $hosts | head -n 10 | xargs -P 10 -I{} ssh -F "$work/ssh_config" -o BatchMode=yes {} uptime
    printf '%s\n' $hosts | tail -n 10 | xargs -P 10 -I{} ssh -F "$work/ssh_config" -o BatchMode=yes {} uptime
}
read -r cutover_ms xargs_ms waves_ms < <(paired_medians 21 cutover_run xargs_ssh xargs_waves)
echo "20 hosts, serial 10, one step running uptime (paired medians of 21)"
echo "cutover run (journaled, drill)  median ${cutover_ms} ms"
echo "xargs -P 10 ssh                 median ${xargs_ms} ms (baseline)"
echo "two waves of xargs -P 10 ssh    median ${waves_ms} ms (the wave barrier alone)"
awk -v a="$cutover_ms" -v b="$xargs_ms" -v w="$waves_ms" 'BEGIN { printf "ratio                           %.2fx xargs -P 10 ssh, %.2fx two waves of it\n", a / b, a / w }'
