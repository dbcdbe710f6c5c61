/**
 * The typed configuration of `daas-auth serve`: one schema for the file, the environment and the
 * flags, validated once at start. Unknown keys are refused (a typo must not silently fall back to a
 * default). Other components add their own section here, next to the ones below.
 *
 * Input shapes are what operators write (durations like "15m", SUI amounts like "0.5"); the output
 * `Config` has numbers and bigints.
 */
import * as v from 'valibot';
import { isAudience } from '../token/claims.ts';
import { suiToMist, validateTiers, DEFAULT_TIERS, type Tier } from '../authn/tiers.ts';
import type { ClusterAudience } from '../token/verify.ts';
import { parseDuration } from './duration.ts';
import { DEFAULT_ADMISSION_RATE_LIMIT, DEFAULT_DRAIN_POLICY_LIMITS, parseLabelExemption, type LabelExemption } from '../admission/config.ts';

const duration = (message: string) =>
  v.pipe(
    v.union([v.string(), v.number()]),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return parseDuration(dataset.value);
      } catch (error) {
        addIssue({ message: `${message}: ${(error as Error).message}` });
        return NEVER;
      }
    }),
  );

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonEmpty = v.pipe(v.string(), v.minLength(1));

const TierInput = v.strictObject({
  name: v.string(),
  /** Least stake in SUI, e.g. "0.5" or 10. */
  minSui: v.union([v.string(), v.number()]),
});

const ClusterInput = v.strictObject({
  /** The cluster id: a token's `aud`. */
  id: v.pipe(
    v.string(),
    v.check(
      (id: string) => isAudience(id),
      'a cluster id is 1–253 printable ASCII characters without spaces',
    ),
  ),
  /** kube-apiserver --api-audiences that stand for this cluster in TokenReview spec.audiences. */
  apiAudiences: v.optional(v.array(nonEmpty), []),
});

export const ConfigSchema = v.strictObject({
  network: v.optional(
    v.strictObject({
      /** local | testnet | mainnet | a full-node URL (comma-separated for several) | a network.json path. */
      name: v.optional(v.string(), 'local'),
      /** sui-sim state directory holding network.json (local only). */
      stateDir: v.optional(v.string()),
      endpoints: v.optional(v.array(nonEmpty)),
      packageId: v.optional(v.string()),
      poolId: v.optional(v.string()),
      timeout: v.optional(duration('network.timeout'), 10),
      /** How often the revocation event follower polls once caught up. */
      eventPollMs: v.optional(positiveInt, 500),
    }),
    {},
  ),
  clusters: v.pipe(
    v.array(ClusterInput),
    v.minLength(1, 'at least one cluster id is needed (clusters, DAAS_CLUSTER or --cluster)'),
  ),
  token: v.optional(
    v.strictObject({
      maxLifetime: v.optional(duration('token.maxLifetime'), 900),
      skew: v.optional(duration('token.skew'), 60),
      /** zkLogin signatures need the chain to verify; off unless enabled. */
      zkLogin: v.optional(v.boolean(), false),
    }),
    {},
  ),
  tiers: v.optional(v.array(TierInput)),
  cache: v.optional(
    v.strictObject({
      ttl: v.optional(duration('cache.ttl'), 60),
      maxEntries: v.optional(positiveInt, 100_000),
    }),
    {},
  ),
  server: v.strictObject(
    {
      host: v.optional(v.string(), '0.0.0.0'),
      port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), 8443),
      tlsCertFile: nonEmpty,
      tlsKeyFile: nonEmpty,
      /** When set, webhook paths require a client certificate signed by this CA (kube-apiserver's). */
      clientCaFile: v.optional(nonEmpty),
    },
    'the webhook needs server.tlsCertFile and server.tlsKeyFile (or DAAS_TLS_CERT / DAAS_TLS_KEY, --tls-cert / --tls-key)',
  ),
  kubernetes: v.optional(
    v.strictObject({
      /** Kubeconfig for the SealBinding informer; default: in-cluster, else $KUBECONFIG. */
      kubeconfig: v.optional(nonEmpty),
      /** Watch SealBindings (needed for kubelet tokens). Off only for user-token-only setups. */
      watchBindings: v.optional(v.boolean(), true),
    }),
    {},
  ),
  log: v.optional(
    v.strictObject({
      level: v.optional(v.picklist(['error', 'warn', 'info', 'debug']), 'info'),
    }),
    {},
  ),
  /** The SealBinding / Node admission webhook (docs/admission.md). */
  admission: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean(), true),
      /** Node names admitted without a binding: exact, or a prefix ending in `*`. */
      exemptNodeNames: v.optional(v.array(nonEmpty), []),
      /** `key` or `key=value`: nodes with such a label are admitted without a binding. */
      exemptNodeLabels: v.optional(v.array(nonEmpty), ['node-role.kubernetes.io/control-plane']),
      // ---- binding rules (issue 9; docs/security-bindings.md) ----
      /** Caps on a staker's own drainPolicy; holders of the bind-any-owner grant are not capped. */
      drainPolicyLimits: v.optional(
        v.strictObject({
          minGracePeriodSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), DEFAULT_DRAIN_POLICY_LIMITS.minGracePeriodSeconds),
          minDeadlineSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), DEFAULT_DRAIN_POLICY_LIMITS.minDeadlineSeconds),
          allowForce: v.optional(v.boolean(), DEFAULT_DRAIN_POLICY_LIMITS.allowForce),
        }),
        {},
      ),
      /** Admission requests each client address may send: a token bucket. */
      rateLimit: v.optional(
        v.strictObject({
          perSecond: v.optional(positiveInt, DEFAULT_ADMISSION_RATE_LIMIT.perSecond),
          burst: v.optional(positiveInt, DEFAULT_ADMISSION_RATE_LIMIT.burst),
        }),
        {},
      ),
    }),
    {},
  ),
  /** The SealBinding controller (docs/controller.md). */
  controller: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean(), true),
      leaseNamespace: v.optional(nonEmpty, 'kube-system'),
      leaseName: v.optional(nonEmpty, 'daas-auth-controller'),
      resync: v.optional(duration('controller.resync'), 60),
      /** Warn (Expiring) when a binding's seal token expires within this many epochs. */
      expiringWithinEpochs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
    }),
    {},
  ),
  /** GET /attestation, the enclave's attestation document bound to the TLS key (docs/enclave.md). */
  attestation: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean(), false),
      /** `device`: /dev/nsm inside a Nitro Enclave; `simulated`: the TEST NSM (local runs and tests). */
      nsm: v.optional(v.picklist(['device', 'simulated']), 'device'),
      device: v.optional(nonEmpty, '/dev/nsm'),
      /** With nsm: simulated, the SimulatedNsm state (JSON) to attest with. */
      simulatedStateFile: v.optional(nonEmpty),
      /** Documents per minute over all callers: each one is an NSM call and a signature. */
      ratePerMinute: v.optional(positiveInt, 60),
    }),
    {},
  ),
});

export type ConfigInput = v.InferInput<typeof ConfigSchema>;
type ParsedConfig = v.InferOutput<typeof ConfigSchema>;

export interface Config {
  network: Omit<ParsedConfig['network'], 'timeout'> & { timeoutMs: number };
  clusters: ClusterAudience[];
  token: { maxLifetimeSeconds: number; skewSeconds: number; zkLogin: boolean };
  /** Sorted ascending by threshold. */
  tiers: Tier[];
  cache: { ttlSeconds: number; maxEntries: number };
  server: ParsedConfig['server'];
  kubernetes: ParsedConfig['kubernetes'];
  log: ParsedConfig['log'];
  admission: Omit<ParsedConfig['admission'], 'exemptNodeLabels'> & { exemptNodeLabels: LabelExemption[] };
  controller: Omit<ParsedConfig['controller'], 'resync'> & { resyncMs: number };
  attestation: ParsedConfig['attestation'];
}

/** Turns the validated input into the Config the program uses (tiers parsed and checked). */
export function finishConfig(parsed: ParsedConfig): Config {
  const { timeout, ...network } = parsed.network;
  const tiers = parsed.tiers
    ? validateTiers(parsed.tiers.map((t) => ({ name: t.name, minMist: suiToMist(t.minSui) })))
    : validateTiers(DEFAULT_TIERS);
  return {
    network: { ...network, timeoutMs: timeout * 1000 },
    clusters: parsed.clusters.map((c) => ({ id: c.id, apiAudiences: c.apiAudiences })),
    token: {
      maxLifetimeSeconds: parsed.token.maxLifetime,
      skewSeconds: parsed.token.skew,
      zkLogin: parsed.token.zkLogin,
    },
    tiers,
    cache: { ttlSeconds: parsed.cache.ttl, maxEntries: parsed.cache.maxEntries },
    server: parsed.server,
    kubernetes: parsed.kubernetes,
    log: parsed.log,
    admission: { ...parsed.admission, exemptNodeLabels: parsed.admission.exemptNodeLabels.map(parseLabelExemption) },
    controller: (({ resync, ...rest }) => ({ ...rest, resyncMs: resync * 1000 }))(parsed.controller),
    attestation: parsed.attestation,
  };
}
