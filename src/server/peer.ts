/**
 * Who is on the other end of a connection: its remote address and, when its TLS client certificate
 * verified against the client CA, that certificate's subject CN. Read once per connection and kept
 * beside the socket: getPeerCertificate() builds a whole certificate object each time it is called,
 * too much for every request of the warm TokenReview path. Both values are fixed for a connection's
 * life, because the host refuses TLS renegotiation (https.ts).
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Peer {
  remote: string | undefined;
  /** Subject CN of the verified client certificate; undefined without one. */
  clientCn: string | undefined;
}

const PEERS = new WeakMap<Socket, Peer>();

export function peerOf(socket: Socket): Peer {
  let peer = PEERS.get(socket);
  if (peer === undefined) {
    const tls = socket as TLSSocket;
    const cn = tls.authorized ? tls.getPeerCertificate?.()?.subject?.CN : undefined;
    peer = { remote: socket.remoteAddress, clientCn: typeof cn === 'string' ? cn : undefined };
    PEERS.set(socket, peer);
  }
  return peer;
}
