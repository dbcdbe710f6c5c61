/**
 * GET /attestation?nonce=<hex> as a `serve` component (docs/design.md §6): a fresh NSM document whose
 * `public_key` is the DER SPKI of the certificate this server presents, whose `nonce` echoes the
 * caller's and whose `user_data` names the package and clusters served. Body: the raw COSE_Sign1
 * (application/cbor). Mounted without the client-certificate requirement: the document is public and
 * clients (operators, `attestation fetch`) must read it before they trust the server.
 */
import { readFileSync } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../log/index.ts';
import { attestationRequests, recordAttestationIssued } from '../metrics.ts';
import type { ServeComponent } from '../../server/types.ts';
import { openNsm, type Nsm } from '../nsm/index.ts';
import { TokenBucket } from '../../server/rate-limit.ts';
import { ATTESTATION_PATH, encodeUserData, parseNonceParam, spkiOfCertificate } from './request.ts';

export const attestationComponent: ServeComponent = {
  name: 'attestation',
  async start({ config, logger, reader }) {
    if (!config.attestation.enabled) return {};
    const nsm = await openConfiguredNsm(config.attestation);
    const userData = encodeUserData({ v: 1, packageId: reader.network.packageId, clusters: config.clusters.map((c) => c.id) });
    const router = attestationRouter({ nsm, userData, certFile: config.server.tlsCertFile, ratePerMinute: config.attestation.ratePerMinute, logger });
    logger.info('attestation enabled', { nsm: nsm.kind, path: ATTESTATION_PATH });
    return { openRouters: [router], stop: () => nsm.close() };
  },
};

/** The simulator is loaded only when configured: a device deployment never has it in its module graph. */
async function openConfiguredNsm(settings: Config['attestation']): Promise<Nsm> {
  if (settings.nsm === 'device') return openNsm({ nsm: 'device', device: settings.device });
  if (!settings.simulatedStateFile) throw new Error('attestation.nsm is simulated but attestation.simulatedStateFile is not set');
  const { openSimulatedNsm } = await import('../nsm-sim/open.ts');
  return openSimulatedNsm(settings.simulatedStateFile);
}

export interface AttestationRouterDeps {
  nsm: Nsm;
  userData: Uint8Array;
  /** Read per request, so a rotated certificate is attested with its new key. */
  certFile: string;
  ratePerMinute: number;
  logger: Pick<Logger, 'warn'>;
  now?: () => number;
}

export function attestationRouter(deps: AttestationRouterDeps): Router {
  const now = deps.now ?? Date.now;
  // Process-wide, not per caller: every document costs an NSM call and a P-384 signature and the route
  // needs no credentials, so per-caller buckets would be spent by anyone with many source addresses.
  const limiter = new TokenBucket({ perSecond: deps.ratePerMinute / 60, burst: deps.ratePerMinute }, now());
  const router = Router();
  router.get(ATTESTATION_PATH, (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const parsed = parseNonceParam(req.query.nonce);
    if ('error' in parsed) {
      attestationRequests.inc({ result: 'bad_request' });
      res.status(400).json({ error: parsed.error });
      return;
    }
    const wait = limiter.take(now());
    if (wait > 0) {
      attestationRequests.inc({ result: 'rate_limited' });
      res.status(429).set('Retry-After', String(wait)).json({ error: 'too many attestation requests' });
      return;
    }
    let document: Uint8Array;
    try {
      const publicKey = spkiOfCertificate(readFileSync(deps.certFile));
      document = deps.nsm.attest({ publicKey, userData: deps.userData, nonce: parsed.nonce });
    } catch (error) {
      attestationRequests.inc({ result: 'nsm_error' });
      deps.logger.warn('attestation failed', { error: (error as Error).message });
      res.status(503).json({ error: 'attestation unavailable' });
      return;
    }
    recordAttestationIssued();
    attestationRequests.inc({ result: 'issued' });
    res.status(200).type('application/cbor').send(Buffer.from(document));
  });
  return router;
}
