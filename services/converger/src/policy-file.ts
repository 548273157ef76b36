import { loadYamlFile, parseYamlFile } from '@k2/config';
import { PolicySchema, type Policy } from './policy.js';

/** Policy files fail as config files do: ConfigError, each problem at file:line:col and its path. */
const AS_POLICY = { what: 'policy', emptyIsDefaults: true };

/** Parses policy YAML; `file` names it in errors. Throws ConfigError. */
export function parsePolicyYaml(text: string, file: string): Policy {
  return parseYamlFile(text, file, PolicySchema, AS_POLICY);
}

/** Reads and checks a policy file. Throws ConfigError. */
export function loadPolicyFile(file: string): Policy {
  return loadYamlFile(file, PolicySchema, AS_POLICY);
}
