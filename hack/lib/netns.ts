// Network namespaces of the test bed (iproute2): made by the bed, owner-tagged by name so a later run can sweep
// what a dead run left, and checked to have no route off the machine before anything starts in them.
//
// The network rule: whatever a real node or its pods are given as an address lives only inside such a
// namespace. A fresh namespace has no routes at all; the bed adds links and addresses, never a gateway.
import { existsSync } from 'node:fs';
import { runChecked } from './run.ts';

/** Every namespace the bed makes is named `daas-<owner pid>-<suffix>`. */
const PREFIX = 'daas-';

export function netnsName(ownerPid: number, suffix: string): string {
  return `${PREFIX}${ownerPid}-${suffix}`;
}

/** The owner pid encoded in a bed namespace's name, or undefined for another namespace. */
export function netnsOwner(name: string): number | undefined {
  const m = new RegExp(`^${PREFIX}(\\d+)-[a-z0-9-]+$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

export function netnsPath(name: string): string {
  return `/var/run/netns/${name}`;
}

async function ip(args: string[]): Promise<string> {
  return (await runChecked('ip', args)).stdout;
}

export async function listNetns(): Promise<string[]> {
  const out = await ip(['-j', 'netns', 'list']).catch(() => '[]');
  const parsed = JSON.parse(out.trim() || '[]') as Array<{ name: string }>;
  return parsed.map((n) => n.name);
}

export async function createNetns(name: string): Promise<void> {
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNetns(name: string): Promise<void> {
  if (existsSync(netnsPath(name))) await ip(['netns', 'delete', name]);
}

/** Processes whose network namespace is `name` (what `ip netns pids` reports). */
export async function netnsPids(name: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', name]).catch(() => '');
  return out.split(/\s+/).filter(Boolean).map(Number);
}

export interface Route {
  dst: string;
  gateway?: string;
  dev?: string;
  type?: string;
}

/**
 * Why a namespace's routes could carry a packet off the machine, or undefined when they cannot: no default
 * route, no route through a gateway, and no route out of a device that is not the namespace's own (a veth
 * whose peer sits in another namespace would be one).
 */
export function routeOffMachine(routes: readonly Route[], ownDevices: ReadonlySet<string>): string | undefined {
  for (const r of routes) {
    if (r.dst === 'default' || r.dst === '0.0.0.0/0' || r.dst === '::/0') return `a default route (${JSON.stringify(r)})`;
    if (r.gateway) return `a route through gateway ${r.gateway} (${r.dst})`;
    if (r.dev && !ownDevices.has(r.dev)) return `a route out of device ${r.dev} (${r.dst})`;
  }
  return undefined;
}

/** Throws unless `name` has no route off the machine (IPv4 and IPv6, every table). */
export async function assertNoRouteOut(name: string, ownDevices: readonly string[]): Promise<void> {
  const routes: Route[] = [];
  for (const family of ['-4', '-6']) {
    const out = await ip(['-n', name, '-j', family, 'route', 'show', 'table', 'all']);
    routes.push(...(JSON.parse(out.trim() || '[]') as Route[]));
  }
  const why = routeOffMachine(routes, new Set(['lo', ...ownDevices]));
  if (why) throw new Error(`network namespace ${name} has ${why}: refusing to start anything in it`);
}

/** The command line that runs `cmd` in the namespace's network only (not `ip netns exec`, which remounts /sys). */
export function inNetns(name: string, cmd: string, args: readonly string[]): { cmd: string; args: string[] } {
  return { cmd: 'nsenter', args: [`--net=${netnsPath(name)}`, '--', cmd, ...args] };
}
