import type { Labels } from '@k2/contracts';
import type { RoutingConfig } from '../route/config.js';
import { matchesAll } from '../route/matcher.js';

export interface FiringAlert {
  fingerprint: string;
  labels: Labels;
}

type Rule = RoutingConfig['inhibit_rules'][number];

const equalKey = (rule: Rule, labels: Labels) => JSON.stringify(rule.equal.map((l) => labels[l] ?? ''));

/**
 * Inhibit rules (Alertmanager's): a firing alert matching a rule's source matchers mutes alerts
 * matching its target matchers that carry the same values for the `equal` labels. An alert never
 * inhibits itself. Sources are indexed by their `equal` values, rebuilt when the firing set changes.
 */
export class Inhibitor {
  private index: Map<string, Set<string>>[] = [];
  private builtFor = -1;

  constructor(private readonly rules: RoutingConfig['inhibit_rules']) {}

  /** `version` changes whenever the firing set does; the index is rebuilt only then. */
  inhibitedBy(target: FiringAlert, firing: () => Iterable<FiringAlert>, version: number): string | undefined {
    if (this.rules.length === 0) return undefined;
    if (version !== this.builtFor) this.rebuild(firing(), version);
    for (const [i, rule] of this.rules.entries()) {
      if (!matchesAll(rule.target_matchers, target.labels)) continue;
      const sources = this.index[i]!.get(equalKey(rule, target.labels));
      if (!sources) continue;
      for (const fp of sources) if (fp !== target.fingerprint) return fp;
    }
    return undefined;
  }

  private rebuild(firing: Iterable<FiringAlert>, version: number): void {
    this.index = this.rules.map(() => new Map<string, Set<string>>());
    for (const alert of firing) {
      this.rules.forEach((rule, i) => {
        if (!matchesAll(rule.source_matchers, alert.labels)) return;
        const key = equalKey(rule, alert.labels);
        const set = this.index[i]!.get(key) ?? new Set<string>();
        set.add(alert.fingerprint);
        this.index[i]!.set(key, set);
      });
    }
    this.builtFor = version;
  }
}
