/**
 * bench/kms: encrypt+decrypt operations per second and p99 latency of the KMS v2 plugin, as
 * kube-apiserver calls it (gRPC over its unix socket, the real `daas-auth kms` process with a file KEK),
 * against a baseline of the same AES-256-GCM work (Keyring.encrypt + decrypt of a 32-byte data-key seed)
 * in-process, in the same run. One op = one Encrypt and one Decrypt of that seed.
 *
 *   node bench/kms/run.ts [--ops 20000] [--concurrency 1,16] [--warmup 2000]
 *
 * "CPU µs/op" is the CPU time of the process that does the AES work (the plugin, or this one for the
 * baseline) per op: on a shared machine it moves far less than throughput does.
 *
 * Bounded: a fixed number of ops per case on loopback/unix sockets only; the plugin is stopped at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { waitForSocket } from '../../hack/lib/kms.ts';
import type { DecryptResponse, EncryptResponse } from '../../src/kms/api.ts';
import { KeyManagementService, unixClient, type UnixClient } from '../../src/kms/client.ts';
import { generateKek } from '../../src/kms/envelope.ts';
import { Keyring } from '../../src/kms/keyring.ts';

interface Result {
  name: string;
  concurrency: number;
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of the process doing the AES-GCM work, per op: little affected by neighbours. */
  cpuUsPerOp: number;
}

/** User + system CPU seconds of a process so far, from /proc (clock ticks of 10 ms on Linux). */
function cpuSeconds(pid: number): number {
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

function summarize(name: string, concurrency: number, latencies: number[], wallMs: number, cpuS: number): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { name, concurrency, ops: sorted.length, opsPerSecond: (sorted.length / wallMs) * 1000, p50Ms: at(0.5), p99Ms: at(0.99), cpuUsPerOp: (cpuS / sorted.length) * 1e6 };
}

/** Runs `op` `ops` times with `concurrency` in flight; returns each op's latency and the wall time. */
async function drive(ops: number, concurrency: number, op: () => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < ops) {
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - start };
}

function grpcOp(client: UnixClient): () => Promise<void> {
  return async () => {
    const seed = randomBytes(32);
    const enc = await client.call<object, EncryptResponse>(KeyManagementService, 'Encrypt', { plaintext: seed, uid: 'bench' });
    const dec = await client.call<object, DecryptResponse>(KeyManagementService, 'Decrypt', { ciphertext: enc.ciphertext, keyId: enc.keyId, annotations: enc.annotations, uid: 'bench' });
    if (!Buffer.from(dec.plaintext).equals(seed)) throw new Error('round trip differs');
  };
}

function inProcessOp(ring: Keyring): () => Promise<void> {
  return async () => {
    const seed = randomBytes(32);
    const enc = ring.encrypt(seed);
    if (!ring.decrypt(enc.ciphertext, enc.keyId, enc.annotations).equals(seed)) throw new Error('round trip differs');
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ops: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '1,16' }, warmup: { type: 'string', default: '2000' } },
    strict: true,
  });
  const ops = Number(values.ops);
  const warmup = Number(values.warmup);
  const levels = values.concurrency.split(',').map(Number);
  if (!(ops > 0 && warmup >= 0 && levels.every((c) => Number.isInteger(c) && c > 0))) throw new Error('--ops, --warmup and --concurrency take positive integers');

  const dir = mkdtempSync(join(tmpdir(), 'bench-kms-'));
  const socket = join(dir, 'kms.sock');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'daas-auth.js'), 'kms', '--socket', socket, '--kek-file', join(dir, 'kek.json'), '--create', '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const results: Result[] = [];
  try {
    await waitForSocket(`${socket}.admin`, { timeoutMs: 30_000, what: 'daas-auth kms' });
    const client = unixClient(socket);
    const kek = generateKek();
    const ring = new Keyring([kek], kek.id);
    // The baseline is synchronous CPU work: more in flight only queues it, so it runs one at a time.
    await drive(warmup, 1, inProcessOp(ring));
    const cpu0 = process.cpuUsage();
    const base = await drive(ops, 1, inProcessOp(ring));
    const cpu = process.cpuUsage(cpu0);
    results.push(summarize('in-process AES-256-GCM (baseline)', 1, base.latencies, base.wallMs, (cpu.user + cpu.system) / 1e6));
    for (const c of levels) {
      await drive(warmup, c, grpcOp(client));
      const before = cpuSeconds(child.pid!);
      const plug = await drive(ops, c, grpcOp(client));
      results.push(summarize('daas-auth kms over gRPC/unix socket', c, plug.latencies, plug.wallMs, cpuSeconds(child.pid!) - before));
    }
    client.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('| path | in flight | ops | encrypt+decrypt ops/s | p50 ms | p99 ms | CPU µs/op (AES side) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.concurrency} | ${r.ops} | ${Math.round(r.opsPerSecond)} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${Math.round(r.cpuUsPerOp)} |`,
    );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench/kms: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
