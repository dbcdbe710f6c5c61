// Daemons of the test bed: each runs in its own process group (so stopping it also stops anything it forked)
// with its output in a log file, and outlives the process that started it (`cluster up` returns).
// Liveness is read from /proc: a zombie counts as gone, whoever its parent is.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

export interface DaemonSpec {
  name: string;
  cmd: string;
  args: string[];
  log: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startDaemon(spec: DaemonSpec): number {
  const fd = openSync(spec.log, 'a');
  try {
    const child = spawn(spec.cmd, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true, // setsid: the child leads a new process group whose id is its pid
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.cmd})`);
    child.on('error', () => {}); // reported through liveness checks and the log instead
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses, so split after the last ')'.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0] ?? '', pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

export function isRunning(pid: number): boolean {
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push(st.pid);
  }
  return out;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to each group, SIGKILL to whatever is left after `graceMs`, and wait until no member is alive.
 * Groups are stopped in the given order, each fully before the next (dependants first, etcd last).
 */
export async function stopGroups(pgids: readonly number[], graceMs = 10000): Promise<void> {
  for (const pgid of pgids) {
    if (groupMembers(pgid).length === 0) continue;
    signalGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (groupMembers(pgid).length > 0 && Date.now() < deadline) await sleep(100);
    if (groupMembers(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
    const killDeadline = Date.now() + 10000;
    while (groupMembers(pgid).length > 0) {
      if (Date.now() > killDeadline) throw new Error(`process group ${pgid} survived SIGKILL`);
      await sleep(50);
    }
  }
}
