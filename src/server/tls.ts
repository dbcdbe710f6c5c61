/**
 * TLS material from files, reloaded when they change: cert-manager and kubelet rotate Secrets by
 * rewriting the mounted files, so the server re-reads key + certificate (and client CA) on change
 * and swaps them in with `server.setSecureContext` — new connections get the new certificate,
 * nothing restarts. A half-written pair (key and cert not matching) is ignored until it is whole.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { createSecureContext, type SecureContextOptions, type Server } from 'node:tls';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle for client certificates; when set, clients are asked for one. */
  clientCaFile?: string;
}

/** Reads the files into options for https.createServer / setSecureContext; throws with the file named. */
export function readTlsFiles(files: TlsFiles): SecureContextOptions {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  };
  const options: SecureContextOptions = { cert: read(files.certFile, 'TLS certificate'), key: read(files.keyFile, 'TLS key') };
  if (files.clientCaFile) options.ca = read(files.clientCaFile, 'client CA bundle');
  // Fails here (not at the first handshake) when key and certificate do not match.
  createSecureContext(options);
  return options;
}

export interface TlsReloader {
  close(): void;
}

/**
 * Watches the directories of the TLS files (Kubernetes swaps Secret files through a symlinked
 * directory, so watching the file itself would miss the swap) and reloads after a short settle.
 */
export function watchTlsFiles(server: Server, files: TlsFiles, hooks: { onReload?(): void; onError?(error: unknown): void } = {}): TlsReloader {
  const dirs = new Set([files.certFile, files.keyFile, files.clientCaFile].filter((f): f is string => !!f).map((f) => path.dirname(f)));
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      server.setSecureContext(readTlsFiles(files));
      hooks.onReload?.();
    } catch (error) {
      hooks.onError?.(error);
    }
  };
  const watchers: FSWatcher[] = [...dirs].map((dir) =>
    watch(dir, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, 100);
      timer.unref();
    }),
  );
  return {
    close: () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
