/** Semaphore (src/k8s/limit.ts): at most `size` tasks at once, the rest in arrival order, a slot freed on failure. */
import { Semaphore } from '../../../src/k8s/limit.ts';

/** A task that runs until `release()` is called, recording when it started. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: async () => (started.push(name), await done, name), release: () => release() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('refuses fewer than one slot', () => {
    expect(() => new Semaphore(0)).toThrow('at least one slot');
  });

  it('runs at most `size` tasks and starts the waiters in arrival order', async () => {
    const started: string[] = [];
    const sem = new Semaphore(2);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => gate(started, n));
    const runs = [a!, b!, c!, d!].map((g) => sem.run(g.task));
    await settle();
    expect(started).toEqual(['a', 'b']);
    b!.release();
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    a!.release();
    c!.release();
    d!.release();
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('frees the slot when a task fails', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await sem.run(async () => 'next')).toBe('next');
  });
});
