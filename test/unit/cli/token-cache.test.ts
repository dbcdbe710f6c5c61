import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isReusable, keyFingerprint, TokenCache, type TokenRequest } from '../../../src/cli/token-cache.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'daas-token-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = 1_800_000_000;
const request: TokenRequest = { cluster: 'c1', sealToken: `0x${'a'.repeat(64)}`, ttlSeconds: 900, key: 'fingerprint' };
const token = { token: 'seal_x.y', exp: NOW + 900 };

describe('TokenCache', () => {
  it('hands back what it stored for the same request, in a 0700 directory and a 0600 file', () => {
    const cache = new TokenCache(join(dir, 'tokens'));
    expect(cache.read(request, NOW)).toBeUndefined();
    cache.write(request, token);
    expect(cache.read(request, NOW)).toEqual(token);
    expect(statSync(join(dir, 'tokens')).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(join(dir, 'tokens'));
    expect(file).toMatch(/^[0-9a-f]{64}\.json$/); // no claim, id or key in the name
    expect(statSync(join(dir, 'tokens', file!)).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['another cluster', { cluster: 'c2' }],
    ['another SealToken', { sealToken: `0x${'b'.repeat(64)}` }],
    ['a node', { node: 'worker-1' }],
    ['another ttl', { ttlSeconds: 600 }],
    ['another key', { key: 'other' }],
  ])('misses for %s', (_what, change) => {
    const cache = new TokenCache(dir);
    cache.write(request, token);
    expect(cache.read({ ...request, ...change }, NOW)).toBeUndefined();
  });

  it('misses once too little of the lifetime is left', () => {
    const cache = new TokenCache(dir);
    cache.write(request, token);
    expect(cache.read(request, NOW + 900 - 285)).toEqual(token); // 60 s + a quarter of 900 s left
    expect(cache.read(request, NOW + 900 - 284)).toBeUndefined();
  });

  it('ignores a malformed file', () => {
    const cache = new TokenCache(dir);
    cache.write(request, token);
    const [file] = readdirSync(dir);
    for (const text of ['not json', 'null', '{"token":"bearer","exp":1}', `{"token":"seal_x.y","exp":"${NOW + 900}"}`]) {
      writeFileSync(join(dir, file!), text);
      expect(cache.read(request, NOW)).toBeUndefined();
    }
  });
});

describe('isReusable', () => {
  it('wants a minute for the ExecCredential margin plus a quarter of the lifetime (at least a minute)', () => {
    expect(isReusable({ token: 't', exp: NOW + 120 }, NOW, 120)).toBe(true);
    expect(isReusable({ token: 't', exp: NOW + 119 }, NOW, 120)).toBe(false);
  });

  it('with a refresh interval, only a token minted less than that long ago (and never one without iat)', () => {
    const token = { token: 't', exp: NOW + 900, iat: NOW - 1 };
    expect(isReusable(token, NOW, 900, 2)).toBe(true);
    expect(isReusable(token, NOW, 900, 1)).toBe(false);
    expect(isReusable({ token: 't', exp: NOW + 900 }, NOW, 900, 5)).toBe(false);
    expect(isReusable({ token: 't', exp: NOW + 900 }, NOW, 900)).toBe(true);
  });
});

describe('keyFingerprint', () => {
  it('differs by key, address and keystore contents, and is not the key', () => {
    const a = keyFingerprint({ key: 'suiprivkey1aaa' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toContain('suiprivkey');
    expect(keyFingerprint({ envKey: 'suiprivkey1aaa' })).toBe(a);
    expect(keyFingerprint({ key: 'suiprivkey1bbb' })).not.toBe(a);
    expect(keyFingerprint({ key: 'suiprivkey1aaa', address: '0x1' })).not.toBe(a);
    const keystore = join(dir, 'sui.keystore');
    writeFileSync(keystore, '["one"]');
    const first = keyFingerprint({ keystore });
    writeFileSync(keystore, '["two"]');
    expect(keyFingerprint({ keystore })).not.toBe(first);
  });

  it('is undefined when there is no usable source (minting then says why)', () => {
    expect(keyFingerprint({})).toBeUndefined();
    expect(keyFingerprint({ key: 'k', keystore: 'f' })).toBeUndefined();
    expect(keyFingerprint({ keystore: join(dir, 'missing') })).toBeUndefined();
  });
});
