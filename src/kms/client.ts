/**
 * A client of the plugin's two services over their unix sockets: what `daas-auth kms rotate` uses, and
 * what the tests and bench/kms call the plugin with, speaking the same protobuf the apiserver does.
 */
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import type { IMessageType } from '@protobuf-ts/runtime';
import type { ServiceType } from '@protobuf-ts/runtime-rpc';
import { KeyAdmin, KeyManagementService } from './api.ts';

type Call = <I extends object, O extends object>(service: ServiceType, method: string, input: I, timeoutMs?: number) => Promise<O>;

export interface UnixClient {
  call: Call;
  close(): void;
}

export function unixClient(socket: string): UnixClient {
  const client = new Client(`unix:${socket}`, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const call: Call = (service, method, input, timeoutMs = 5000) => {
    const m = service.methods.find((x) => x.name === method);
    if (!m) throw new Error(`${service.typeName} has no method ${method}`);
    const I = m.I as IMessageType<typeof input>;
    const O = m.O as IMessageType<object>;
    return new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        `/${service.typeName}/${method}`,
        (v: typeof input) => Buffer.from(I.toBinary(I.create(v))), // create: unset fields get their defaults
        (b: Buffer) => O.fromBinary(b),
        input,
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null, out?: object) => (error ? reject(error) : resolve(out as never)),
      ),
    );
  };
  return { call, close: () => client.close() };
}

export { KeyAdmin, KeyManagementService };
