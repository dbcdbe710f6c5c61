// What an informer keeps of each object (src/k8s/informer.ts trimForCache and the transform option):
// server-side apply bookkeeping and kubectl's last-applied copy never reach the cache or the handlers.
import { describe, expect, test } from '@jest/globals';
import { Informer, trimForCache, type ListWatchSource } from '../../../src/k8s/informer.ts';
import type { WatchEvent } from '../../../src/k8s/rest.ts';

interface Obj {
  metadata: { name: string; resourceVersion: string; managedFields?: unknown[]; annotations?: Record<string, string> };
  spec?: { keep: string; drop?: string };
}
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const heavy = (name: string, rv: string, annotations?: Record<string, string>): Obj => ({
  metadata: { name, resourceVersion: rv, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }], ...(annotations ? { annotations } : {}) },
  spec: { keep: 'k', drop: 'd' },
});

describe('trimForCache', () => {
  test('drops managedFields and the last-applied annotation, keeps other annotations', () => {
    const o = trimForCache(heavy('a', '1', { [LAST_APPLIED]: '{"big":1}', team: 'x' }));
    expect(o.metadata).toEqual({ name: 'a', resourceVersion: '1', annotations: { team: 'x' } });
  });

  test('an annotation map left empty is removed; an object without metadata passes', () => {
    expect(trimForCache(heavy('a', '1', { [LAST_APPLIED]: '{}' })).metadata).toEqual({ name: 'a', resourceVersion: '1' });
    expect(trimForCache({})).toEqual({});
  });
});

describe('Informer keeps trimmed objects', () => {
  function source(items: Obj[]) {
    const watches: Array<(e: WatchEvent<Obj>) => void> = [];
    const src: ListWatchSource<Obj> = {
      list: async () => ({ items, resourceVersion: '1' }),
      watch: (_q, onEvent) => {
        watches.push(onEvent);
        return { done: new Promise<void>(() => {}), abort: () => {} };
      },
    };
    return { src, watches };
  }

  test('listed and watched objects are trimmed, then transformed, before cache and handlers see them', async () => {
    const { src, watches } = source([heavy('a', '1', { [LAST_APPLIED]: '{}' })]);
    const seen: Obj[] = [];
    const informer = new Informer(src, { name: 't', timers: false, transform: (o) => ({ ...o, spec: { keep: o.spec?.keep ?? '' } }) });
    informer.on('add', (o) => seen.push(o)).on('update', (o) => seen.push(o));
    await informer.start();
    watches[0]!({ type: 'MODIFIED', object: heavy('a', '2') });
    watches[0]!({ type: 'ADDED', object: heavy('b', '3') });
    const expected = (name: string, rv: string) => ({ metadata: { name, resourceVersion: rv }, spec: { keep: 'k' } });
    expect(seen).toEqual([expected('a', '1'), expected('a', '2'), expected('b', '3')]);
    expect(informer.list()).toEqual([expected('a', '2'), expected('b', '3')]);
    informer.stop();
  });
});
