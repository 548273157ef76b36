import { loadConfig, type K2Config } from '@k2/config';

/** The config a command runs with: the file if given, else defaults; environment overrides either. */
export function loadCliConfig(file: string | undefined): K2Config {
  return loadConfig(file);
}
