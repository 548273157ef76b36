import { KNOWN_PROBLEM_CLASSES, MAX_AFFECTED, ProblemClass, Severity } from '@k2/contracts';
import { z } from 'zod';

/*
 * The converger policy: per problem class, how long a condition must last before it opens an
 * incident, how bad it is, and what ends it; plus which classes are causes of others, what is
 * noise, and how much state to keep. Everything has a built-in default (below); the shipped
 * alert-rules/converger-policy.yaml spells the same defaults out for operators to edit.
 */

const seconds = z.number().finite().nonnegative();

/** What a policy may say about one class; what it leaves out keeps the built-in value. */
const ClassSettings = z.strictObject({
  severity: Severity.optional(),
  /** The condition must last this long: occurrences spanning it, or no recovery within it. 0 opens at once. */
  holdSeconds: seconds.optional(),
  /** Opens earlier once this many occurrences are seen (crash loop: 3 restarts). */
  openAfterCount: z.number().int().positive().optional(),
  /** Reasons that say an affected object is well again; when all are, the incident resolves. */
  recovery: z.array(z.string().min(1)).optional(),
  /** Resolves after this long without an occurrence. */
  quietSeconds: seconds.positive().optional(),
  /** Raises the severity once this many objects are affected. */
  escalate: z.strictObject({ severity: Severity, affected: z.number().int().positive() }).optional(),
});
type ClassSettings = z.infer<typeof ClassSettings>;

export interface ClassPolicy {
  severity: Severity;
  holdSeconds: number;
  openAfterCount?: number;
  recovery: string[];
  quietSeconds: number;
  escalate?: { severity: Severity; affected: number };
}

/** `other` configures every other:<reason> class; other:<reason> keys tune one reason. */
type ClassKey = (typeof KNOWN_PROBLEM_CLASSES)[number] | 'other';

const BUILT_IN_CLASSES: Record<ClassKey, ClassSettings & Pick<ClassPolicy, 'severity' | 'holdSeconds'>> = {
  oom_kill: { severity: 'critical', holdSeconds: 0 },
  // Warning, not critical: one pod restarting is survivable; five or more is an outage in the making.
  crash_loop: {
    severity: 'warning',
    holdSeconds: 120,
    openAfterCount: 3,
    escalate: { severity: 'critical', affected: 5 },
  },
  image_pull: { severity: 'warning', holdSeconds: 60, recovery: ['Pulled', 'Started'] },
  scheduling: { severity: 'warning', holdSeconds: 120, recovery: ['Scheduled'] },
  volume_mount: {
    severity: 'warning',
    holdSeconds: 120,
    recovery: ['SuccessfulMountVolume', 'SuccessfulAttachVolume', 'Started'],
  },
  probe_failure: { severity: 'warning', holdSeconds: 120 },
  // Nodes report a condition once, not repeatedly: only a recovery (or a day's silence) ends it.
  node_problem: {
    severity: 'critical',
    holdSeconds: 60,
    recovery: [
      'NodeReady',
      'NodeHasNoDiskPressure',
      'NodeHasSufficientMemory',
      'NodeHasSufficientPID',
      'RemovingNode',
      'DeletingNode',
    ],
    quietSeconds: 86_400,
  },
  eviction: { severity: 'warning', holdSeconds: 0, escalate: { severity: 'critical', affected: 10 } },
  job_failure: { severity: 'warning', holdSeconds: 0 },
  config_error: { severity: 'warning', holdSeconds: 60, recovery: ['Started', 'SuccessfulCreate'] },
  // A Warning nobody classified is shown at once, quietly: operators silence it or give it a class.
  other: { severity: 'info', holdSeconds: 0 },
};

const isClassKey = (key: string) => key === 'other' || ProblemClass.safeParse(key).success;

/** Matches events to ignore: a bare reason, or a reason narrowed by object kind, source component or message. */
const NoiseRule = z.union([
  z.string().min(1),
  z.strictObject({
    reason: z.string().min(1),
    kind: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    message: z
      .string()
      .min(1)
      .refine((m) => compiles(m), 'not a valid regular expression')
      .optional(),
  }),
]);

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const CauseRule = z
  .strictObject({
    cause: ProblemClass,
    effects: z.array(ProblemClass).min(1),
    /** Only once the cause has killed a container (liveness probe), not for readiness failures. */
    onlyKills: z.boolean().default(false),
  })
  .refine((r) => !r.effects.includes(r.cause), { message: 'a class cannot be its own effect', path: ['effects'] });

const BUILT_IN_CAUSES: z.input<typeof CauseRule>[] = [
  { cause: 'oom_kill', effects: ['crash_loop', 'probe_failure', 'job_failure'] },
  { cause: 'probe_failure', effects: ['crash_loop'], onlyKills: true },
];

const BUILT_IN_BENIGN: z.infer<typeof NoiseRule>[] = [
  'Pulling',
  'Created',
  'ScalingReplicaSet',
  'SuccessfulDelete',
  'DNSConfigForming',
  // The OOM watcher writes every kill back as an Event; its own OOMKilled K2Event already counts it.
  { reason: 'OOMKilling', source: 'k2-oom-watcher' },
  // The node's own NodeNotReady is the incident; the same event on each of its pods is not.
  { reason: 'NodeNotReady', kind: 'Pod' },
  { reason: 'TaintManagerEviction', message: '^Cancelling deletion' },
];

export const PolicyFile = z.strictObject({
  defaults: z
    .strictObject({
      quietSeconds: seconds.positive().default(600),
      reopenWindowSeconds: seconds.default(1_800),
      flappingReopens: z.number().int().positive().default(3),
      updateIntervalSeconds: seconds.default(60),
    })
    .prefault({}),
  classes: z
    .record(z.string().refine(isClassKey, 'not a problem class (known class, other, or other:<reason>)'), ClassSettings)
    .default({}),
  causes: z
    .strictObject({
      /** An effect is folded into its cause when it happens within this long of the cause's last occurrence. */
      windowSeconds: seconds.default(600),
      /** Earlier rules win when several causes could claim an effect. */
      rules: z.array(CauseRule).prefault(BUILT_IN_CAUSES),
    })
    .prefault({}),
  noise: z
    .strictObject({
      ignoreNormal: z.boolean().default(true),
      benign: z.array(NoiseRule).default(BUILT_IN_BENIGN),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxAffected: z.number().int().min(1).max(MAX_AFFECTED).default(MAX_AFFECTED),
      seenIds: z.number().int().min(1).max(1_000).default(16),
    })
    .prefault({}),
});
export type PolicyFile = z.infer<typeof PolicyFile>;

export interface NoiseMatcher {
  reason: string;
  kind?: string;
  source?: string;
  message?: RegExp;
}

export interface Policy {
  reopenWindowSeconds: number;
  flappingReopens: number;
  updateIntervalSeconds: number;
  causes: { windowSeconds: number; rules: z.infer<typeof CauseRule>[] };
  noise: { ignoreNormal: boolean; benign: NoiseMatcher[] };
  limits: { maxAffected: number; seenIds: number };
  /** Reasons that are some class's recovery signal. */
  recoveryReasons: ReadonlySet<string>;
  classFor(problemClass: string): ClassPolicy;
}

function resolve(file: PolicyFile): Policy {
  const classes = new Map<string, ClassPolicy>();
  const complete = (base: ClassSettings & Pick<ClassPolicy, 'severity' | 'holdSeconds'>, own: ClassSettings = {}) => {
    const merged = { ...base, ...own };
    return {
      ...merged,
      recovery: merged.recovery ?? [],
      quietSeconds: merged.quietSeconds ?? file.defaults.quietSeconds,
    };
  };
  for (const [key, base] of Object.entries(BUILT_IN_CLASSES)) classes.set(key, complete(base, file.classes[key]));
  for (const [key, own] of Object.entries(file.classes)) {
    if (!classes.has(key)) classes.set(key, complete({ ...BUILT_IN_CLASSES.other, ...classes.get('other') }, own));
  }
  const other = classes.get('other')!;
  return {
    reopenWindowSeconds: file.defaults.reopenWindowSeconds,
    flappingReopens: file.defaults.flappingReopens,
    updateIntervalSeconds: file.defaults.updateIntervalSeconds,
    causes: file.causes,
    noise: {
      ignoreNormal: file.noise.ignoreNormal,
      benign: file.noise.benign.map((rule): NoiseMatcher => {
        if (typeof rule === 'string') return { reason: rule };
        const { message, ...rest } = rule;
        return message ? { ...rest, message: new RegExp(message) } : rest;
      }),
    },
    limits: file.limits,
    recoveryReasons: new Set([...classes.values()].flatMap((c) => c.recovery)),
    classFor: (problemClass) => classes.get(problemClass) ?? other,
  };
}

/** The policy schema: a parsed policy file, completed with the built-in defaults. */
export const PolicySchema = PolicyFile.transform(resolve);

export function defaultPolicy(): Policy {
  return PolicySchema.parse({});
}
