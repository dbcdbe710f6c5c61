/** The one configuration module: schema, loading (file + DAAS_* env + flags), durations. */
export { ConfigSchema, finishConfig, type Config, type ConfigInput } from './schema.ts';
export { ConfigError, ENV_VARS, loadConfig, merge, type LoadConfigOptions } from './load.ts';
export { formatDuration, parseDuration } from './duration.ts';
