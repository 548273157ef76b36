export { ConfigError, loadConfig, type ConfigProblem, type LoadOptions } from './load.js';
export { loadYamlFile, parseYamlFile, type YamlFileOptions } from './yaml-file.js';
export {
  configSchema,
  type BusConfig,
  type EventerConfig,
  type K2Config,
  type OomWatcherConfig,
  type ConvergerConfig,
  type SimulatorConfig,
} from './schema.js';
