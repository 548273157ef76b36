import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { memoryLineSchema, type ContainerMemoryLine } from './kubelet.js';
import { resourceForObject } from './resources.js';
import type { KubeObject } from './types.js';

const headerSchema = z.object({
  scenario: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** The instant the scenario's timestamps are written against; it maps to the moment play starts. */
    epoch: z.iso.datetime({ offset: true }).optional(),
  }),
});

const lineSchema = z.object({
  at: z.number().int().nonnegative(),
  verb: z.enum(['create', 'update', 'delete']),
  object: z
    .object({
      apiVersion: z.string().min(1),
      kind: z.string().min(1),
      metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }).loose(),
    })
    .loose(),
});

export interface ScenarioLine {
  at: number;
  verb: 'create' | 'update' | 'delete';
  object: KubeObject;
  /** Where the line came from, for error messages: `file:line`. */
  source: string;
}

/** A line that sets a container's memory on its (simulated) kubelet: `{"at": 0, "memory": {...}}`. */
export interface MemoryScenarioLine {
  at: number;
  memory: ContainerMemoryLine;
  source: string;
}

const memoryEntrySchema = z.strictObject({ at: z.number().int().nonnegative(), memory: memoryLineSchema });

export interface Scenario {
  name: string;
  description?: string;
  epoch?: number;
  lines: ScenarioLine[];
  /** Container memory for the kubelet side, in time order. */
  memory?: MemoryScenarioLine[];
  /** Scenario time of the last line. */
  duration: number;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Parses a JSON Lines scenario; every problem names the file and line. */
export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const lines: ScenarioLine[] = [];
  const memory: MemoryScenarioLine[] = [];
  let header: z.infer<typeof headerSchema>['scenario'] | undefined;
  text.split('\n').forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new ScenarioError(`${where}: not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value === 'object' && value !== null && 'scenario' in value) {
      if (lines.length > 0 || header) throw new ScenarioError(`${where}: the scenario header must be the first line`);
      const h = headerSchema.safeParse(value);
      if (!h.success) throw new ScenarioError(`${where}: ${z.prettifyError(h.error)}`);
      header = h.data.scenario;
      return;
    }
    if (typeof value === 'object' && value !== null && 'memory' in value) {
      const m = memoryEntrySchema.safeParse(value);
      if (!m.success) throw new ScenarioError(`${where}: ${z.prettifyError(m.error)}`);
      memory.push({ ...m.data, source: where });
      return;
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) throw new ScenarioError(`${where}: ${z.prettifyError(parsed.error)}`);
    const { object } = parsed.data;
    if (!resourceForObject(object.apiVersion, object.kind)) {
      throw new ScenarioError(`${where}: the simulator does not serve ${object.apiVersion} ${object.kind}`);
    }
    lines.push({ ...parsed.data, object: object as KubeObject, source: where });
  });
  // Stable sort keeps the file order of lines that share a time.
  lines.sort((a, b) => a.at - b.at);
  memory.sort((a, b) => a.at - b.at);
  const last = Math.max(lines[lines.length - 1]?.at ?? 0, memory[memory.length - 1]?.at ?? 0);
  return {
    name: header?.name ?? file,
    description: header?.description,
    epoch: header?.epoch ? Date.parse(header.epoch) : undefined,
    lines,
    memory,
    duration: last,
  };
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${file}: ${(err as Error).message}`);
  }
  return parseScenario(text, file);
}
