// src/chain/metrics.ts: every chain call is counted by method, endpoint and result, and each endpoint's
// reachability (what the chain-unreachable alerts read) follows its last call.
import { expect, test } from '@jest/globals';
import { chainCallHook } from '../../../src/chain/metrics.ts';
import { registry } from '../../../src/metrics/index.ts';

test('chain_endpoint_up follows the last call of each endpoint; a definitive error still counts as reachable', async () => {
  const a = 'https://a.test:443';
  const b = 'https://b.test:443';
  chainCallHook('getObject', a, 'ok', 0.01);
  chainCallHook('getObject', b, 'unavailable', 1);
  let text = await registry.metrics();
  expect(text).toContain(`daas_auth_chain_endpoint_up{endpoint="${a}"} 1`);
  expect(text).toContain(`daas_auth_chain_endpoint_up{endpoint="${b}"} 0`);
  expect(text).toContain(`daas_auth_chain_requests_total{method="getObject",endpoint="${b}",result="unavailable"} 1`);
  chainCallHook('getObject', a, 'unavailable', 1);
  chainCallHook('getObject', b, 'error', 0.02);
  text = await registry.metrics();
  expect(text).toContain(`daas_auth_chain_endpoint_up{endpoint="${a}"} 0`);
  expect(text).toContain(`daas_auth_chain_endpoint_up{endpoint="${b}"} 1`);
});
