/**
 * The Sui CLI's own configuration, so a Sui user needs no key flags: `client.yaml` in
 * $SUI_CONFIG_DIR or ~/.sui/sui_config names the keystore (`keystore: File: PATH`) and the
 * `active_address`. Only those two keys are read, by a line-oriented match rather than a YAML parser,
 * because this runs on the exec plugin's path and the file's layout is fixed by the Sui CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface SuiClientDefaults {
  /** The client.yaml read. */
  file: string;
  keystore: string;
  activeAddress?: string;
}

export function suiClientConfigFile(env: Record<string, string | undefined> = process.env): string {
  return path.join(env.SUI_CONFIG_DIR || path.join(homedir(), '.sui', 'sui_config'), 'client.yaml');
}

/** The keystore and active address of the Sui CLI, or undefined when there is no usable client.yaml. */
export function suiClientDefaults(env: Record<string, string | undefined> = process.env): SuiClientDefaults | undefined {
  const file = suiClientConfigFile(env);
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = parseSuiClientYaml(text);
  if (!parsed) return undefined;
  return { file, keystore: path.resolve(path.dirname(file), parsed.keystore), ...(parsed.activeAddress ? { activeAddress: parsed.activeAddress } : {}) };
}

const unquote = (value: string): string => value.trim().replace(/^(["'])(.*)\1$/, '$2');

/** `keystore:\n  File: PATH` and `active_address: 0x…` of a client.yaml; undefined without a keystore file. */
export function parseSuiClientYaml(text: string): { keystore: string; activeAddress?: string } | undefined {
  const keystore = /^keystore:[ \t]*\r?\n[ \t]+File:[ \t]*(\S.*?)[ \t]*$/m.exec(text)?.[1];
  if (!keystore) return undefined;
  const active = /^active_address:[ \t]*(\S.*?)[ \t]*$/m.exec(text)?.[1];
  const activeAddress = active === undefined ? undefined : unquote(active);
  return { keystore: unquote(keystore), ...(activeAddress && activeAddress !== '~' && activeAddress !== 'null' ? { activeAddress } : {}) };
}
