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
import { suiToMist } from '../policy/units.ts';
import { validateTiers, DEFAULT_TIERS, type Tier } from '../policy/tiers.ts';
import type { ClusterAudience } from '../token/verify.ts';
import { parseDuration } from './duration.ts';
import { DEFAULT_ADMISSION_RATE_LIMIT, DEFAULT_DRAIN_POLICY_LIMITS } from './admission.ts';
import { parseLabelExemption, type LabelExemption } from '../policy/exemptions.ts';

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
  /**
   * Subject CNs of the client certificates this cluster's kube-apiserver presents (signed by
   * server.clientCaFile). A review arriving with one of them is this cluster's: its tokens must carry
   * `aud` = this id. Default: none (the cluster is then known by its path /authenticate/<id>, or is
   * the only cluster).
   */
  clientCommonNames: v.optional(v.array(nonEmpty), []),
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
    }),
    {},
  ),
  tiers: v.optional(v.array(TierInput)),
  cache: v.optional(
    v.strictObject({
      ttl: v.optional(duration('cache.ttl'), 60),
      maxEntries: v.optional(positiveInt, 100_000),
      /** Most cached entries per staker address: one staker minting tokens cannot fill the cache for everyone. */
      maxEntriesPerIdentity: v.optional(positiveInt, 64),
    }),
    {},
  ),
  server: v.strictObject(
    {
      host: v.optional(v.string(), '0.0.0.0'),
      port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), 8443),
      tlsCertFile: nonEmpty,
      tlsKeyFile: nonEmpty,
      /** CA of the client certificates kube-apiserver presents; every webhook path requires one. */
      clientCaFile: v.optional(nonEmpty),
      /**
       * Serve webhook paths without a client certificate (anyone reaching the port may send reviews).
       * Only for setups where something else authenticates the apiserver; default false.
       */
      insecureNoClientCert: v.optional(v.boolean(), false),
      /** Most open TLS connections; further ones are refused until one closes. */
      maxConnections: v.optional(positiveInt, 1024),
      /** Requests served on one keep-alive connection before the server closes it (0: no limit). */
      maxRequestsPerConnection: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 100_000),
      /** Seconds a connection may take to send a request's headers / whole request. */
      headersTimeout: v.optional(duration('server.headersTimeout'), 10),
      requestTimeout: v.optional(duration('server.requestTimeout'), 30),
      /** Idle keep-alive connections are closed after this long (above kube-apiserver's 60 s pool timeout). */
      keepAliveTimeout: v.optional(duration('server.keepAliveTimeout'), 65),
      /**
       * On SIGTERM: seconds to keep serving while /readyz says no and every answer closes its connection,
       * so kube-apiserver's keep-alive connections move to another replica before this one stops. 0 (the
       * default, for a process on its own): stop at once; the chart sets 5 s.
       */
      shutdownDelay: v.optional(duration('server.shutdownDelay'), 0),
      /** Webhook requests per second per client (certificate CN, else address); over it: 429. 0: no limit. */
      rateLimit: v.optional(
        v.strictObject({
          perSecond: v.optional(v.pipe(v.number(), v.minValue(0)), 5000),
          burst: v.optional(positiveInt, 10_000),
        }),
        {},
      ),
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
      // ---- binding rules (issue 9; docs/security.md, "Bindings, nodes and tier RBAC") ----
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
      /** The Lease holder's name; default <hostname>_<random>. Leader-election timings in ms (defaults: 15000, 10000, 2000). */
      identity: v.optional(nonEmpty),
      /**
       * `namespace/name` of the pod the controller runs in (the chart sets it from the downward API):
       * when it drains the node it runs on, it evicts its own pod last.
       */
      ownPod: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'controller.ownPod must be namespace/name'))),
      leaseDurationMs: v.optional(positiveInt),
      renewDeadlineMs: v.optional(positiveInt),
      retryPeriodMs: v.optional(positiveInt),
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
  /** Which of serve's components run (issue 14): all, the webhooks only, or the controller only. */
  mode: v.optional(v.picklist(['all', 'webhook', 'controller']), 'all'),
});

export type ConfigInput = v.InferInput<typeof ConfigSchema>;
type ParsedConfig = v.InferOutput<typeof ConfigSchema>;

export interface Config {
  network: Omit<ParsedConfig['network'], 'timeout'> & { timeoutMs: number };
  clusters: ClusterAudience[];
  token: { maxLifetimeSeconds: number; skewSeconds: number };
  /** Sorted ascending by threshold. */
  tiers: Tier[];
  cache: { ttlSeconds: number; maxEntries: number; maxEntriesPerIdentity: number };
  server: ParsedConfig['server'];
  kubernetes: ParsedConfig['kubernetes'];
  log: ParsedConfig['log'];
  admission: Omit<ParsedConfig['admission'], 'exemptNodeLabels'> & { exemptNodeLabels: LabelExemption[] };
  controller: Omit<ParsedConfig['controller'], 'resync'> & { resyncMs: number };
  attestation: ParsedConfig['attestation'];
  mode: ParsedConfig['mode'];
}

/** Turns the validated input into the Config the program uses (tiers parsed and checked). */
export function finishConfig(parsed: ParsedConfig): Config {
  const { timeout, ...network } = parsed.network;
  const tiers = parsed.tiers
    ? validateTiers(parsed.tiers.map((t) => ({ name: t.name, minMist: suiToMist(t.minSui) })))
    : validateTiers(DEFAULT_TIERS);
  return {
    network: { ...network, timeoutMs: timeout * 1000 },
    clusters: validateClusters(parsed.clusters),
    token: {
      maxLifetimeSeconds: parsed.token.maxLifetime,
      skewSeconds: parsed.token.skew,
    },
    tiers,
    cache: { ttlSeconds: parsed.cache.ttl, maxEntries: parsed.cache.maxEntries, maxEntriesPerIdentity: parsed.cache.maxEntriesPerIdentity },
    server: validateServer(parsed.server, parsed.clusters),
    kubernetes: parsed.kubernetes,
    log: parsed.log,
    admission: { ...parsed.admission, exemptNodeLabels: parsed.admission.exemptNodeLabels.map(parseLabelExemption) },
    controller: (({ resync, ...rest }) => ({ ...rest, resyncMs: resync * 1000 }))(parsed.controller),
    attestation: parsed.attestation,
    mode: parsed.mode,
  };
}

/**
 * One webhook may serve several clusters, and a token is accepted only by the cluster it names
 * (docs/design.md §3): ids must be unique, no audience or client-certificate name may stand for two
 * clusters, and an audience may not be another cluster's id — otherwise a review from one cluster
 * could be matched to another's tokens.
 */
export function validateClusters(clusters: ReadonlyArray<{ id: string; apiAudiences: string[]; clientCommonNames: string[] }>): ClusterAudience[] {
  const ids = new Set<string>();
  const audiences = new Map<string, string>();
  const names = new Map<string, string>();
  for (const cluster of clusters) {
    if (ids.has(cluster.id)) throw new Error(`cluster id ${cluster.id} is listed twice`);
    ids.add(cluster.id);
  }
  for (const cluster of clusters) {
    for (const audience of new Set(cluster.apiAudiences)) {
      const owner = audiences.get(audience) ?? (ids.has(audience) && audience !== cluster.id ? audience : undefined);
      if (owner !== undefined) throw new Error(`API audience ${audience} of cluster ${cluster.id} also stands for cluster ${owner}; each cluster needs audiences of its own`);
      audiences.set(audience, cluster.id);
    }
    for (const name of new Set(cluster.clientCommonNames)) {
      const owner = names.get(name);
      if (owner !== undefined) throw new Error(`client certificate name ${name} is given for clusters ${owner} and ${cluster.id}`);
      names.set(name, cluster.id);
    }
  }
  return clusters.map((c) => ({ id: c.id, apiAudiences: c.apiAudiences, clientCommonNames: c.clientCommonNames }));
}

/** The client CA is required unless explicitly (and loudly) turned off. */
function validateServer(server: ParsedConfig['server'], clusters: ParsedConfig['clusters']): ParsedConfig['server'] {
  if (!server.clientCaFile && !server.insecureNoClientCert) {
    throw new Error('server.clientCaFile is required (the CA of the client certificate kube-apiserver presents; DAAS_CLIENT_CA, --client-ca); to serve webhooks to anyone who reaches the port set server.insecureNoClientCert (--insecure-no-client-cert)');
  }
  const named = clusters.find((cluster) => cluster.clientCommonNames.length > 0);
  if (named && !server.clientCaFile) throw new Error(`cluster ${named.id} is known by client certificate names, so server.clientCaFile is needed to verify them`);
  return server;
}
