import { ReviewMemo, type MemoEntry } from '../../../src/authn/review-memo.ts';

const entry = (token: string): MemoEntry => ({ review: { apiVersion: 'authentication.k8s.io/v1', spec: { token } }, digest: `digest-of-${token}` });

describe('ReviewMemo', () => {
  it('returns what was remembered for exactly the same text', () => {
    const memo = new ReviewMemo({ maxEntries: 4, maxBodyChars: 100 });
    memo.remember('{"a":1}', entry('a'));
    expect(memo.get('{"a":1}')).toEqual(entry('a'));
    expect(memo.get('{"a": 1}')).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const memo = new ReviewMemo({ maxEntries: 2, maxBodyChars: 100 });
    memo.remember('one', entry('1'));
    memo.remember('two', entry('2'));
    memo.remember('three', entry('3'));
    expect(memo.size).toBe(2);
    expect(memo.get('one')).toBeUndefined();
    expect(memo.get('two')).toBeDefined();
    expect(memo.get('three')).toBeDefined();
  });

  it('never remembers a body longer than maxBodyChars, and nothing when maxEntries is 0', () => {
    const small = new ReviewMemo({ maxEntries: 2, maxBodyChars: 5 });
    small.remember('123456', entry('x'));
    expect(small.size).toBe(0);
    const off = new ReviewMemo({ maxEntries: 0, maxBodyChars: 100 });
    off.remember('1', entry('x'));
    expect(off.size).toBe(0);
  });

  it('forgets one body, or all', () => {
    const memo = new ReviewMemo({ maxEntries: 4, maxBodyChars: 100 });
    memo.remember('a', entry('a'));
    memo.remember('b', entry('b'));
    memo.forget('a');
    expect(memo.get('a')).toBeUndefined();
    memo.clear();
    expect(memo.size).toBe(0);
  });
});
