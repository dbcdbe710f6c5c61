/** One Authenticator for unit tests: the default tier table and the test cluster of token/fixtures.ts. */
import { Authenticator, type AuthenticatorOptions } from '../../../src/authn/authenticator.ts';
import { DEFAULT_TIERS, validateTiers } from '../../../src/policy/tiers.ts';
import { API_AUDIENCE, CLUSTER } from '../token/fixtures.ts';

export function testAuthenticator(options: Pick<AuthenticatorOptions, 'chain' | 'bindings'> & Partial<AuthenticatorOptions>): Authenticator {
  return new Authenticator({
    clusters: [{ id: CLUSTER, apiAudiences: [API_AUDIENCE] }],
    tiers: validateTiers(DEFAULT_TIERS),
    skewSeconds: 60,
    maxLifetimeSeconds: 900,
    cacheTtlSeconds: 300,
    cacheMaxEntries: 1000,
    ...options,
  });
}
