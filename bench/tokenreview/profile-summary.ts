/**
 * Summarises a V8 CPU profile (from run.ts --cpu-prof): self time per function and per source file,
 * as a share of all samples, so the hot path's remaining costs can be read without DevTools.
 *
 *   node bench/tokenreview/profile-summary.ts PROFILE.cpuprofile [--top 30] [--from SECONDS]
 *
 * --from skips the samples of the first SECONDS of the process (start-up, module loading, the
 * warm-up run), so what is left is the steady state that run.ts measures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs between consecutive samples (the first from startTime). */
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: profile-summary.ts PROFILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const topAt = process.argv.indexOf('--top');
const TOP = topAt > 0 ? Number(process.argv[topAt + 1]) : 30;
const fromAt = process.argv.indexOf('--from');
const FROM_US = fromAt > 0 ? Number(process.argv[fromAt + 1]) * 1e6 : 0;

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfSamples = new Map<number, number>();
let elapsedUs = 0;
let total = 0;
profile.samples.forEach((id, i) => {
  elapsedUs += profile.timeDeltas[i] ?? 0;
  if (elapsedUs < FROM_US) return;
  selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  total++;
});

const shortUrl = (url: string): string => (url ? path.relative(process.cwd(), url.replace(/^file:\/\//, '')) : '(native)');
const perFunction = new Map<string, number>();
const perFile = new Map<string, number>();
for (const [id, count] of selfSamples) {
  const frame = byId.get(id)!.callFrame;
  const where = shortUrl(frame.url);
  const fn = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
  perFunction.set(fn, (perFunction.get(fn) ?? 0) + count);
  perFile.set(where, (perFile.get(where) ?? 0) + count);
}

const print = (title: string, table: Map<string, number>): void => {
  process.stdout.write(`\n${title} (${total} samples)\n`);
  for (const [name, count] of [...table].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
print('self time by function', perFunction);
print('self time by file', perFile);
