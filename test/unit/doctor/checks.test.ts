// src/doctor/checks.ts: each verdict on exact observations — pass when healthy, and a failing line that
// names the broken piece otherwise.
import { describe, expect, test } from '@jest/globals';
import {
  failed,
  judgeAdmission,
  judgeAuthn,
  judgeCertificate,
  judgeClock,
  judgeCrd,
  judgeEndpoint,
  judgeLeader,
  judgeObjects,
  renderText,
  type AdmissionObservation,
} from '../../../src/doctor/checks.ts';

const now = new Date('2026-12-07T12:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const PKG = `0x${'a'.repeat(64)}`;
const POOL = `0x${'b'.repeat(64)}`;

describe('doctor verdicts', () => {
  test('authn: the expected user passes; 401 names the wiring; another user, another authenticator; no token, skipped', () => {
    expect(judgeAuthn({ kind: 'user', username: 'sui:0x1' }, 'sui:0x1').status).toBe('pass');
    const refused = judgeAuthn({ kind: 'refused', code: 401, message: 'Unauthorized' }, 'sui:0x1');
    expect(refused.status).toBe('fail');
    expect(refused.detail).toContain('not wired');
    expect(judgeAuthn({ kind: 'user', username: 'kubernetes-admin' }, 'sui:0x1').detail).toContain('another authenticator');
    expect(judgeAuthn({ kind: 'skipped', why: 'no token' }, '').status).toBe('skip');
  });

  type WebhookTls = Extract<AdmissionObservation, { kind: 'found' }>['webhooks'][number]['tls'];
  const found = (tls: WebhookTls): AdmissionObservation => ({
    kind: 'found',
    name: 'daas-auth',
    webhooks: [{ name: 'nodes.admission.daas.io', caBundle: true, tls }],
  });

  test('admission: verified passes; wrong CA, unreachable, missing configuration and missing caBundle fail', () => {
    expect(judgeAdmission(found({ kind: 'verified', target: '127.0.0.1:1', notAfter: days(300), subject: 'CN=x' })).status).toBe('pass');
    const wrongCa = judgeAdmission(found({ kind: 'unverified', target: '127.0.0.1:1', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }));
    expect(wrongCa.status).toBe('fail');
    expect(wrongCa.detail).toContain('wrong CA');
    expect(judgeAdmission(found({ kind: 'unreachable', target: '127.0.0.1:1', reason: 'ECONNREFUSED' })).detail).toContain('does not answer');
    expect(judgeAdmission({ kind: 'missing', name: 'daas-auth' }).detail).toContain('does not exist');
    expect(judgeAdmission({ kind: 'found', name: 'daas-auth', webhooks: [{ name: 'w', caBundle: false, tls: { kind: 'no-endpoint', reason: '' } }] }).detail).toContain('no caBundle');
  });

  test('certificate: the first expiry decides; under 30 days warns, expired fails, none readable skips', () => {
    const cert = (d: number) => found({ kind: 'verified', target: 't', notAfter: days(d), subject: '' });
    expect(judgeCertificate(cert(90), now).status).toBe('pass');
    expect(judgeCertificate(cert(29), now)).toMatchObject({ status: 'warn', detail: expect.stringContaining('29 days') as unknown });
    expect(judgeCertificate(cert(-1), now).status).toBe('fail');
    expect(judgeCertificate(found({ kind: 'unverified', target: 't', reason: 'x', notAfter: days(-2) }), now).status).toBe('fail');
    expect(judgeCertificate({ kind: 'missing', name: 'x' }, now).status).toBe('skip');
  });

  test('chain endpoints: answering with the expected chain id passes; down or another chain fails', () => {
    expect(judgeEndpoint({ url: 'u', kind: 'answered', chainId: 'c1' }, 'c1').status).toBe('pass');
    expect(judgeEndpoint({ url: 'u', kind: 'answered', chainId: 'c1' }, undefined).status).toBe('pass');
    expect(judgeEndpoint({ url: 'u', kind: 'answered', chainId: 'c2' }, 'c1').detail).toContain('another network');
    expect(judgeEndpoint({ url: 'u', kind: 'unreachable', reason: 'ECONNREFUSED' }, 'c1')).toMatchObject({ status: 'fail', title: 'Sui endpoint u' });
  });

  test('objects: package and a StakePool of that package pass; a missing package names network.packageId', () => {
    const pool = { kind: 'found' as const, type: `0x${'a'.repeat(64)}::staking::StakePool` };
    expect(judgeObjects({ packageId: PKG, poolId: POOL }, { kind: 'found', type: 'package' }, pool).status).toBe('pass');
    expect(judgeObjects({ packageId: PKG, poolId: POOL }, { kind: 'missing' }, pool).detail).toContain('wrong network.packageId');
    expect(judgeObjects({ packageId: PKG, poolId: POOL }, { kind: 'found', type: 'package' }, { kind: 'missing' }).detail).toContain('wrong network.poolId');
    expect(judgeObjects({ packageId: PKG, poolId: POOL }, { kind: 'found', type: 'package' }, { kind: 'found', type: '0x2::coin::Coin' }).status).toBe('fail');
  });

  test('clock: within 5 s passes, beyond warns, beyond a minute fails', () => {
    expect(judgeClock({ kind: 'measured', skewMs: 800, host: 'h' }).status).toBe('pass');
    expect(judgeClock({ kind: 'measured', skewMs: -8000, host: 'h' }).status).toBe('warn');
    expect(judgeClock({ kind: 'measured', skewMs: 120_000, host: 'h' }).status).toBe('fail');
  });

  test('CRD and leader', () => {
    expect(judgeCrd({ kind: 'found', name: 'c', established: true, versions: ['v1alpha1'] }, 'v1alpha1').status).toBe('pass');
    expect(judgeCrd({ kind: 'found', name: 'c', established: false, versions: ['v1alpha1'] }, 'v1alpha1').status).toBe('fail');
    expect(judgeCrd({ kind: 'missing', name: 'c' }, 'v1alpha1').status).toBe('fail');
    const renewed = new Date(now.getTime() - 5_000).toISOString();
    expect(judgeLeader({ kind: 'found', name: 'l', holder: 'p1', renewTime: renewed, leaseDurationSeconds: 15 }, now).status).toBe('pass');
    expect(judgeLeader({ kind: 'found', name: 'l', holder: 'p1', renewTime: renewed, leaseDurationSeconds: 2 }, now).detail).toContain('expired');
    expect(judgeLeader({ kind: 'found', name: 'l' }, now).detail).toContain('no holder');
    expect(judgeLeader({ kind: 'missing', name: 'l' }, now).status).toBe('fail');
  });

  test('one line per check, marked; any fail fails the run, warnings and skips do not', () => {
    const ok = judgeClock({ kind: 'measured', skewMs: 0, host: 'h' });
    const warn = judgeClock({ kind: 'measured', skewMs: 6000, host: 'h' });
    const bad = judgeCrd({ kind: 'missing', name: 'c' }, 'v1');
    expect(renderText([ok, warn, bad]).split('\n').map((l) => l.slice(0, 2))).toEqual(['✓ ', '! ', '✗ ', '']);
    expect(failed([ok, warn])).toBe(false);
    expect(failed([ok, bad])).toBe(true);
  });
});
