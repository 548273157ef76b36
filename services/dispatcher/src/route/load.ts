import { fileURLToPath } from 'node:url';
import { loadYamlFile, parseYamlFile } from '@k2/config';
import { routingSchema, type RoutingConfig } from './config.js';

/** Routing files fail as config files do: ConfigError, each problem at file:line:col and its path. */
const AS_ROUTING = { what: 'routing file' };

/** Parses routing YAML; `file` names it in errors. Throws ConfigError listing every problem. */
export function parseRoutingYaml(text: string, file: string): RoutingConfig {
  return parseYamlFile(text, file, routingSchema, AS_ROUTING);
}

/** Reads and checks a routing file. Throws ConfigError. */
export function loadRoutingFile(file: string): RoutingConfig {
  return loadYamlFile(file, routingSchema, AS_ROUTING);
}

/** The routing K2 ships (alert-rules/dispatcher.yaml): every alert to the file receiver. */
export const DEFAULT_ROUTING_FILE = fileURLToPath(new URL('../../../../alert-rules/dispatcher.yaml', import.meta.url));
