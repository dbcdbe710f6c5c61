import { ReviewMemo, fingerprint, type MemoEntry } from '../../../src/authn/review-memo.ts';

const entry = (token: string): MemoEntry => ({ review: { apiVersion: 'authentication.k8s.io/v1', spec: { token } }, digest: `digest-of-${token}` });
const bytes = (text: string): Buffer => Buffer.from(text);

/** Two bodies of one length that differ only in a byte no sampled word covers: same fingerprint. */
function collidingPair(): [Buffer, Buffer] {
  for (let length = 64; length < 4096; length++) {
    const a = Buffer.alloc(length, 'a');
    for (let at = 0; at < length; at++) {
      const b = Buffer.from(a);
      b[at] = 0x62;
      if (fingerprint(a) === fingerprint(b)) return [a, b];
    }
  }
  throw new Error('no colliding pair found');
}

describe('ReviewMemo', () => {
  it('returns what was remembered for exactly the same bytes', () => {
    const memo = new ReviewMemo({ maxEntries: 4, maxBodyBytes: 100 });
    memo.remember(bytes('{"a":1}'), entry('a'));
    expect(memo.get(bytes('{"a":1}'))).toMatchObject(entry('a'));
    expect(memo.get(bytes('{"a": 1}'))).toBeUndefined();
    expect(memo.get(bytes('{"a":2}'))).toBeUndefined();
  });

  it('keeps its own copy: a caller reusing its buffer does not change what was remembered', () => {
    const memo = new ReviewMemo({ maxEntries: 4, maxBodyBytes: 100 });
    const body = bytes('{"token":"one"}');
    memo.remember(body, entry('one'));
    body.write('{"token":"two"}');
    expect(memo.get(body)).toBeUndefined();
    expect(memo.get(bytes('{"token":"one"}'))).toMatchObject(entry('one'));
  });

  it('never lets two bodies with one fingerprint answer for each other', () => {
    const [a, b] = collidingPair();
    expect(a.equals(b)).toBe(false);
    const memo = new ReviewMemo({ maxEntries: 4, maxBodyBytes: 4096 });
    memo.remember(a, entry('a'));
    expect(memo.get(b)).toBeUndefined();
    memo.forget(b);
    expect(memo.get(a)).toMatchObject(entry('a'));
    memo.remember(b, entry('b'));
    expect(memo.get(b)).toMatchObject(entry('b'));
    expect(memo.get(a)).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const memo = new ReviewMemo({ maxEntries: 2, maxBodyBytes: 100 });
    memo.remember(bytes('one'), entry('1'));
    memo.remember(bytes('two'), entry('2'));
    memo.remember(bytes('three'), entry('3'));
    expect(memo.size).toBe(2);
    expect(memo.get(bytes('one'))).toBeUndefined();
    expect(memo.get(bytes('two'))).toBeDefined();
    expect(memo.get(bytes('three'))).toBeDefined();
  });

  it('never remembers a body longer than maxBodyBytes, and nothing when maxEntries is 0', () => {
    const small = new ReviewMemo({ maxEntries: 2, maxBodyBytes: 5 });
    small.remember(bytes('123456'), entry('x'));
    expect(small.size).toBe(0);
    const off = new ReviewMemo({ maxEntries: 0, maxBodyBytes: 100 });
    off.remember(bytes('1'), entry('x'));
    expect(off.size).toBe(0);
  });

  it('forgets one body, or all', () => {
    const memo = new ReviewMemo({ maxEntries: 4, maxBodyBytes: 100 });
    memo.remember(bytes('a'), entry('a'));
    memo.remember(bytes('b'), entry('b'));
    memo.forget(bytes('a'));
    expect(memo.get(bytes('a'))).toBeUndefined();
    expect(memo.get(bytes('b'))).toBeDefined();
    memo.clear();
    expect(memo.size).toBe(0);
  });

  it('fingerprints differ for bodies that differ in a sampled word, and the length counts', () => {
    const body = Buffer.alloc(1000, 'x');
    const other = Buffer.from(body);
    other[0] = 0x79;
    expect(fingerprint(other)).not.toBe(fingerprint(body));
    expect(fingerprint(body.subarray(0, 999))).not.toBe(fingerprint(body));
    expect(fingerprint(Buffer.alloc(0))).toBe(fingerprint(Buffer.alloc(0)));
  });
});
