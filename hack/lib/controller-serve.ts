// A SealBinding controller as its own process: `daas-auth serve --mode controller` (what the chart's
// controller Deployment runs), for tests and benchmarks that run several candidates and kill one
// (SIGKILL is a crash; SIGTERM stops gracefully and releases the Lease). Ready once its /readyz answers
// 200: the chain answers and the controller's informers have synced.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../cluster.ts';
import { waitFor200 } from './probe.ts';

export interface ControllerServeOptions {
  identity: string;
  kubeconfig: string;
  /** network.name (local, a URL or a network.json) and, for `local`, the sim's state directory. */
  network: { name: string; stateDir?: string };
  /** Serving certificate, key and the CA that signed it; client CA for the (unused) webhook guard. */
  tls: { certFile: string; keyFile: string; caFile: string; clientCaFile: string };
  /** Where the config file goes. */
  dir: string;
  /** controller.leaseDurationMs, renewDeadlineMs, retryPeriodMs. */
  timings?: Partial<Record<'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs', number>>;
  logLevel?: 'info' | 'debug';
  /** Every stderr line (JSON logs), as it comes. */
  onLine?(line: string): void;
}

export interface ControllerServe {
  child: ChildProcess;
  exited: Promise<number | null>;
}

export async function startControllerServe(o: ControllerServeOptions): Promise<ControllerServe> {
  const configFile = join(o.dir, `controller-${o.identity}.json`);
  const config = {
    mode: 'controller',
    network: o.network,
    clusters: [{ id: 'controller-only', apiAudiences: [] }],
    // /readyz and /metrics only (no webhook runs in this mode), on a free port.
    server: { host: '127.0.0.1', port: 0, tlsCertFile: o.tls.certFile, tlsKeyFile: o.tls.keyFile, clientCaFile: o.tls.clientCaFile },
    kubernetes: { kubeconfig: o.kubeconfig },
    controller: { identity: o.identity, ...o.timings },
    log: { level: o.logLevel ?? 'info' },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'daas-auth.js'), '--config', configFile, 'serve'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  let gone = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((gone = true), resolve(code))));
  const url = new Promise<string>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`controller ${o.identity} exited (${code}) before it was ready:\n${tail.slice(-10).join('\n')}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 50) tail.shift();
      o.onLine?.(line);
      const serving = /serving on (https:\/\/\S+)/.exec(line);
      if (serving) resolve(serving[1]!);
    });
  });
  try {
    await waitFor200(`${await url}/readyz`, { ca: o.tls.caFile }, {
      timeoutMs: 120_000,
      what: `controller ${o.identity} /readyz`,
      check: () => {
        if (gone) throw new Error(`controller ${o.identity} exited before it was ready:\n${tail.slice(-10).join('\n')}`);
      },
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, exited };
}
