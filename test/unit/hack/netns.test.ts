/**
 * The real-node bed's network rule, checked before anything starts in a namespace: no default route, no
 * gateway, no route out of a device the namespace does not own. Also the owner tag sweeps rely on.
 */
import { expect, test } from '@jest/globals';
import { netnsName, netnsOwner, routeOffMachine, type Route } from '../../../hack/lib/netns.ts';

const own = new Set(['lo', 'rnode0', 'cni0']);

test('routes that stay inside the namespace pass', () => {
  const routes: Route[] = [
    { dst: '10.214.0.0/24', dev: 'cni0' },
    { dst: '10.213.0.2', dev: 'rnode0', type: 'local' },
    { dst: '127.0.0.0/8', dev: 'lo', type: 'local' },
    { dst: 'fe80::/64', dev: 'rnode0' },
  ];
  expect(routeOffMachine(routes, own)).toBeUndefined();
});

test.each<[string, Route]>([
  ['an IPv4 default route', { dst: 'default', gateway: '10.213.0.1', dev: 'rnode0' }],
  ['a default route without a gateway', { dst: 'default', dev: 'rnode0' }],
  ['an IPv6 default route', { dst: '::/0', dev: 'rnode0' }],
  ['a route through a gateway', { dst: '192.0.2.0/24', gateway: '10.213.0.1', dev: 'rnode0' }],
  ['a route out of a veth whose peer is elsewhere', { dst: '198.51.100.0/24', dev: 'veth-out' }],
])('%s is refused', (_what, route) => {
  expect(routeOffMachine([{ dst: '10.214.0.0/24', dev: 'cni0' }, route], own)).toMatch(/default route|gateway|device/);
});

test('namespace names carry their owner pid; other namespaces are not ours', () => {
  expect(netnsOwner(netnsName(4242, 'real-0'))).toBe(4242);
  expect(netnsOwner('cni-1234')).toBeUndefined();
  expect(netnsOwner('daas-x-real-0')).toBeUndefined();
});
