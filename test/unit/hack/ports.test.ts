// hack/lib/ports.ts: the test bed's ports come from below the kernel's ephemeral range (where outgoing
// connections never take them), are distinct, bindable, and leased so a second draw never repeats a port
// still waiting to be bound.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralRangeStart, freePorts, isPortFree, releasePorts } from '../../../hack/lib/ports.ts';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1' }, () => resolve(srv));
  });
}

test('ports are distinct, free, below the ephemeral range, and leased', async () => {
  const ports = await freePorts(20);
  expect(new Set(ports).size).toBe(20);
  const high = ephemeralRangeStart();
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20000);
    expect(port).toBeLessThan(high);
    expect(await isPortFree(port)).toBe(true);
    expect(existsSync(join(tmpdir(), 'daas-auth-ports', `${port}.lock`))).toBe(true);
  }
  // Leased ports are not drawn again while their leases last, even though nothing binds them yet.
  const more = await freePorts(200);
  expect(more.filter((p) => ports.includes(p))).toEqual([]);
  releasePorts([...ports, ...more]);
  for (const port of ports) expect(existsSync(join(tmpdir(), 'daas-auth-ports', `${port}.lock`))).toBe(false);
});

test('isPortFree sees a listener', async () => {
  const [port] = (await freePorts(1)) as [number];
  const srv = await listenOn(port);
  try {
    expect(await isPortFree(port)).toBe(false);
  } finally {
    await new Promise((r) => srv.close(r));
  }
  expect(await isPortFree(port)).toBe(true);
  releasePorts([port]);
});
