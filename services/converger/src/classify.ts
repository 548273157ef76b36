import type { K2Event, ProblemClass } from '@k2/contracts';
import type { NoiseMatcher, Policy } from './policy.js';

/** What one K2Event means to the converger. */
export type Verdict =
  | { kind: 'problem'; class: ProblemClass; kills: boolean }
  | { kind: 'recovery'; reason: string }
  | { kind: 'ignored'; why: 'benign' | 'normal' };

interface Pattern {
  message?: RegExp;
  verdict: Verdict;
}

const problem = (cls: ProblemClass, kills = false): Verdict => ({ kind: 'problem', class: cls, kills });
const BENIGN: Verdict = { kind: 'ignored', why: 'benign' };
const NORMAL: Verdict = { kind: 'ignored', why: 'normal' };
/** OOM kills and liveness/startup probe failures kill containers, so they can cause restarts. */
const OOM = problem('oom_kill', true);

const IMAGE_ERRORS = /ErrImagePull|ImagePullBackOff|Failed to pull image|ErrImageNeverPull|InvalidImageName/i;
const CONFIG_ERRORS = /CreateContainerConfigError|(?:configmap|secret) "[^"]*" not found|couldn't find key/i;
// A container that cannot start restarts like one that crashes.
const START_ERRORS =
  /RunContainerError|failed to (?:start|create) (?:container|containerd task|shim task)|executable file not found|exec format error/i;

/** Known reasons, each with its message patterns in order; a pattern without a message matches any. */
const PATTERNS = new Map<string, Pattern[]>();
function known(reasons: string[], ...patterns: Pattern[]): void {
  for (const reason of reasons) PATTERNS.set(reason, [...(PATTERNS.get(reason) ?? []), ...patterns]);
}

known(['OOMKilled', 'OOMKilling'], { verdict: OOM });
known(['CrashLoopBackOff'], { verdict: problem('crash_loop') });
known(
  ['BackOff'],
  { message: /restarting failed container/i, verdict: problem('crash_loop') },
  { message: /pulling image/i, verdict: problem('image_pull') },
);
known(
  ['Failed'],
  { message: IMAGE_ERRORS, verdict: problem('image_pull') },
  { message: CONFIG_ERRORS, verdict: problem('config_error') },
  { message: START_ERRORS, verdict: problem('crash_loop') },
);
known(['ErrImagePull', 'ImagePullBackOff', 'InspectFailed', 'ErrImageNeverPull', 'InvalidImageName'], {
  verdict: problem('image_pull'),
});
known(['FailedScheduling'], { verdict: problem('scheduling') });
known(['FailedMount', 'FailedAttachVolume', 'FailedMapVolume'], { verdict: problem('volume_mount') });
known(
  ['Unhealthy'],
  { message: /^(?:liveness|startup) probe/i, verdict: problem('probe_failure', true) },
  { verdict: problem('probe_failure') },
);
// Killing is how every container stops (scale-down, rollout); only a failed probe makes it a problem.
known(
  ['Killing'],
  { message: /failed (?:liveness|startup) probe/i, verdict: problem('probe_failure', true) },
  { verdict: BENIGN },
);
known(
  [
    'NodeNotReady',
    'NodeHasDiskPressure',
    'NodeHasMemoryPressure',
    'NodeHasInsufficientPID',
    'SystemOOM',
    'Rebooted',
    'KernelDeadlock',
    'EvictionThresholdMet',
  ],
  { verdict: problem('node_problem') },
);
known(['Evicted', 'Preempting', 'Preempted', 'TaintManagerEviction'], { verdict: problem('eviction') });
known(['BackoffLimitExceeded', 'DeadlineExceeded'], { verdict: problem('job_failure') });
known(['CreateContainerConfigError', 'FailedCreatePodSandBox', 'FailedCreate'], { verdict: problem('config_error') });

function isNoise(e: K2Event, rules: readonly NoiseMatcher[]): boolean {
  return rules.some(
    (r) =>
      r.reason === e.reason &&
      (r.kind === undefined || r.kind === e.involvedObject.kind) &&
      (r.source === undefined || r.source === e.source.component) &&
      (r.message === undefined || r.message.test(e.message)),
  );
}

/**
 * Noise first (so a policy can silence even a known problem), then known problems by reason and
 * message — whatever the event's type, since nodes report NotReady as Normal — then recovery
 * signals. What is left: Normal is ignored, and a Warning is a class of its own, never dropped.
 */
export function classify(e: K2Event, policy: Policy): Verdict {
  if (isNoise(e, policy.noise.benign)) return BENIGN;
  if (e.oom) return OOM;
  const hit = PATTERNS.get(e.reason)?.find((p) => !p.message || p.message.test(e.message));
  if (hit) return hit.verdict;
  if (e.involvedObject.kind === 'Node' && e.type === 'Warning') return problem('node_problem');
  if (policy.recoveryReasons.has(e.reason)) return { kind: 'recovery', reason: e.reason };
  if (e.type === 'Normal' && policy.noise.ignoreNormal) return NORMAL;
  return problem(`other:${e.reason || 'unknown'}`);
}
