// Free loopback ports for the test bed's listeners, chosen at run time (never fixed numbers) so runs side by
// side never collide.
//
// Why not simply "bind port 0, read it, close it": a port chosen that way lies in the kernel's ephemeral range
// (net.ipv4.ip_local_port_range), the same range every outgoing connection takes its local port from. Between
// choosing the port and the component binding it (a cluster start takes seconds) any client on the machine
// may be given that very port for a connection, and the component's listen then fails with EADDRINUSE (seen
// in CI: daas-auth serve could not bind the webhook port reserved before the cluster started). So ports are
// drawn at random from below the ephemeral range, where the kernel hands out nothing by itself, and leased
// by an exclusive lock file until the caller binds them, so two processes never draw the same one.
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Lowest port drawn; below it live the well-known services of a development machine. */
const LOWEST_PORT = 20000;
/** How long a drawn port stays claimed for its caller to bind it (a cold first run builds the cluster binaries
 * between reserving the webhook port and binding it). Stale leases of crashed runs cost nothing but a port. */
const LEASE_MS = 45 * 60_000;
const LOCK_DIR = join(tmpdir(), 'daas-auth-ports');
const MAX_DRAWS = 500;

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(srv));
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
export function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
}

function lockFile(port: number): string {
  return join(LOCK_DIR, `${port}.lock`);
}

/** Removes leases older than LEASE_MS: by then their holders have bound the port or given it up. */
function sweepStaleLeases(now: number): void {
  for (const name of readdirSync(LOCK_DIR)) {
    const path = join(LOCK_DIR, name);
    try {
      if (now - statSync(path).mtimeMs > LEASE_MS) unlinkSync(path);
    } catch {
      // Another process swept it first.
    }
  }
}

/** Claims `port` for this process unless another process holds a lease on it. */
function claim(port: number): boolean {
  try {
    const fd = openSync(lockFile(port), 'wx', 0o644);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Gives up the leases of ports this process drew and will not bind (or has closed for good). */
export function releasePorts(ports: Iterable<number>): void {
  for (const port of ports) {
    try {
      unlinkSync(lockFile(port));
    } catch {
      // Already swept.
    }
  }
}

/**
 * `count` distinct free ports below the ephemeral range, each leased for LEASE_MS (a lock file other callers
 * of this function respect; releasePorts ends it early) and checked free by binding it. The caller binds them
 * afterwards; the kernel itself never hands these ports to anyone meanwhile.
 */
export async function freePorts(count: number): Promise<number[]> {
  const high = ephemeralRangeStart();
  if (high - LOWEST_PORT < 1000) throw new Error(`the ephemeral port range starts at ${high}: too low to draw test ports below it`);
  mkdirSync(LOCK_DIR, { recursive: true });
  sweepStaleLeases(Date.now());
  const ports: number[] = [];
  for (let draws = 0; ports.length < count; draws++) {
    if (draws >= MAX_DRAWS) throw new Error(`no free port found below ${high} after ${MAX_DRAWS} draws`);
    const port = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT));
    if (ports.includes(port) || !claim(port)) continue;
    if (await isPortFree(port)) ports.push(port);
    else releasePorts([port]);
  }
  return ports;
}

export async function freePort(): Promise<number> {
  const [p] = await freePorts(1);
  return p as number;
}

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port));
    return true;
  } catch {
    return false;
  }
}
