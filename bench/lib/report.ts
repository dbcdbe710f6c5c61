/**
 * What bench/scale and bench/soak share: a timestamped log line, serve's memory from /proc, and the
 * marked block of docs/benchmarks.md each bench rewrites with its latest numbers.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const DOC = new URL('../../docs/benchmarks.md', import.meta.url).pathname;

export function benchLog(name: string): (line: string) => void {
  return (line) => process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The `<!-- name:begin -->` … `<!-- name:end -->` markers of a bench's block. */
export function docMarkers(name: string): { begin: string; end: string } {
  return { begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` };
}

/** Replaces the bench's block (markers included in `block`), or appends it under `heading` if it has none yet. */
export function writeDocBlock(name: string, block: string, heading: string): void {
  const { begin, end } = docMarkers(name);
  const doc = readFileSync(DOC, 'utf8');
  const at = doc.indexOf(begin);
  const to = doc.indexOf(end);
  writeFileSync(DOC, at >= 0 && to > at ? doc.slice(0, at) + block + doc.slice(to + end.length) : `${doc.trimEnd()}\n\n${heading}\n\n${block}\n`);
}
