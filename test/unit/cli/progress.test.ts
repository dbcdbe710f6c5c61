import { createProgress } from '../../../src/cli/progress.ts';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (t: string) => writes.push(t) } };
}

test('off a terminal each phase is one plain line', () => {
  const { writes, stream } = sink(false);
  const p = createProgress(stream);
  p.update('building', { action: 'stake' });
  p.update('confirming', { action: 'stake', digest: 'D1' });
  p.update('done', { action: 'stake', digest: 'D1' });
  p.stop();
  expect(writes).toEqual([
    '… stake: resolving and dry-running the transaction\n',
    '… stake: waiting for confirmation (D1)\n',
    '… stake: confirmed (D1)\n',
  ]);
});

test('on a terminal a spinner line is rewritten and erased at the end', () => {
  const { writes, stream } = sink(true);
  const p = createProgress(stream);
  p.update('executing', { action: 'slash' });
  const line = writes.at(-1)!;
  expect(line.startsWith('\r\x1b[2K')).toBe(true);
  expect(line.endsWith(' slash: submitting the transaction')).toBe(true);
  p.update('done', { action: 'slash', digest: 'D' });
  expect(writes.at(-1)).toBe('\r\x1b[2K');
  const count = writes.length;
  p.stop();
  expect(writes.length).toBe(count);
});
