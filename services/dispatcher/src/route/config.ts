import { z } from 'zod';
import { parseDuration } from './duration.js';
import { parseMatcher, type Matcher } from './matcher.js';
import { checkTemplate } from '../notify/template.js';

/*
 * The routing file (alert-rules/dispatcher.yaml), Alertmanager's shape where it has one: route
 * tree, receivers, inhibit_rules, time_intervals; plus K2's oncall schedules and escalations.
 */

const name = z.string().min(1);

export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(text)} (e.g. 0s, 30s, 5m, 4h, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});

const matcher = z.string().transform((text, ctx): Matcher => {
  try {
    return parseMatcher(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A secret never sits in the routing file: it is read from a file or an environment variable. */
export const secretRef = z.union([z.strictObject({ file: name }), z.strictObject({ env: name })], {
  error: 'a secret is { file: path } or { env: NAME }, never the value itself',
});
export type SecretRef = z.infer<typeof secretRef>;

const template = z.string().superRefine((text, ctx) => {
  const problem = checkTemplate(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `template: ${problem}` });
});

const rateLimit = z.strictObject({
  /** Messages allowed per `per`; the provider's own limit by default (DingTalk, WeCom 20/min; Slack 1/s). */
  messages: z.number().int().positive(),
  per: duration,
});

const retry = z
  .strictObject({
    maxAttempts: z.number().int().positive().default(6),
    initialBackoff: duration.default(500),
    maxBackoff: duration.default(60_000),
  })
  .prefault({});

const receiverCommon = {
  name,
  send_resolved: z.boolean().default(true),
  /** Message text; `{{ path }}` and `{{#each alerts}}…{{/each}}` (docs/dispatcher.md). */
  template: template.optional(),
  concurrency: z.number().int().positive().default(4),
  rate_limit: rateLimit.optional(),
  retry,
  timeout: duration.default(10_000),
  /** How long to hold off after the provider throttled this robot and did not say (DingTalk 10m, others 1m). */
  throttle_pause: duration.optional(),
};

const url = z.url();

export const receiverSchema = z
  .strictObject({
    ...receiverCommon,
    file: z.strictObject({ path: name }).optional(),
    console: z.strictObject({}).optional(),
    webhook: z.strictObject({ url, secret: secretRef.optional() }).optional(),
    slack: z.strictObject({ url: secretRef }).optional(),
    dingtalk: z.strictObject({ url: secretRef, secret: secretRef.optional() }).optional(),
    wecom: z.strictObject({ url: secretRef }).optional(),
    feishu: z.strictObject({ url: secretRef, secret: secretRef.optional() }).optional(),
    email: z
      .strictObject({
        to: z.array(z.email()).min(1),
        from: z.email(),
        smtp: z.strictObject({
          host: name,
          port: z.number().int().min(1).max(65535).default(587),
          secure: z.boolean().default(false),
          username: name.optional(),
          password: secretRef.optional(),
        }),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    const kinds = KINDS.filter((k) => r[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `a receiver has exactly one of ${KINDS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})`,
      });
  });
export const KINDS = ['file', 'console', 'webhook', 'slack', 'dingtalk', 'wecom', 'feishu', 'email'] as const;
export type ReceiverKind = (typeof KINDS)[number];
export type ReceiverConfig = z.infer<typeof receiverSchema>;

export interface RouteConfig {
  receiver?: string;
  matchers: Matcher[];
  continue: boolean;
  group_by?: string[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
  mute_time_intervals: string[];
  active_time_intervals: string[];
  escalation?: string;
  routes: RouteConfig[];
}

const routeSchema: z.ZodType<RouteConfig, unknown> = z.lazy(() =>
  z.strictObject({
    receiver: name.optional(),
    matchers: z.array(matcher).default([]),
    continue: z.boolean().default(false),
    /** Labels that make up a group; `...` groups by every label. */
    group_by: z.array(z.string().min(1)).optional(),
    group_wait: duration.optional(),
    group_interval: duration.optional(),
    repeat_interval: duration.optional(),
    mute_time_intervals: z.array(name).default([]),
    active_time_intervals: z.array(name).default([]),
    escalation: name.optional(),
    routes: z.array(routeSchema).default([]),
  }),
) as z.ZodType<RouteConfig, unknown>;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM (00:00 to 24:00)');
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const weekdayRange = z.string().superRefine((text, ctx) => {
  const parts = text.toLowerCase().split(':');
  if (parts.length > 2 || !parts.every((p) => (WEEKDAYS as readonly string[]).includes(p)))
    ctx.addIssue({
      code: 'custom',
      message: `expected a weekday or a range like monday:friday, not ${JSON.stringify(text)}`,
    });
});
export const timeZone = z.string().superRefine((tz, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    ctx.addIssue({ code: 'custom', message: `unknown IANA time zone ${JSON.stringify(tz)}` });
  }
});

const timeInterval = z.strictObject({
  weekdays: z.array(weekdayRange).optional(),
  times: z.array(z.strictObject({ start_time: clock, end_time: clock })).optional(),
  location: timeZone.default('UTC'),
});
export type TimeIntervalSpec = z.infer<typeof timeInterval>;

const participant = z.strictObject({ name, receiver: name });
const isoTime = z.iso.datetime({ offset: true });
const scheduleSchema = z.strictObject({
  name,
  rotation: z.enum(['daily', 'weekly']),
  /** Local time of the hand-off, in `location`. */
  handoff: clock.default('09:00'),
  location: timeZone.default('UTC'),
  /** The day the first participant's shift began (YYYY-MM-DD, in `location`). */
  start: z.iso.date(),
  participants: z.array(participant).min(1),
  overrides: z.array(z.strictObject({ start: isoTime, end: isoTime, participant: name })).default([]),
});
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

const escalationSchema = z.strictObject({
  name,
  steps: z
    .array(
      z.strictObject({
        /** How long after the previous step (or the first notification) this one fires unacknowledged. */
        wait: duration,
        receivers: z.array(name).default([]),
        /** Whoever is on call in these schedules at that moment. */
        schedules: z.array(name).default([]),
      }),
    )
    .min(1),
  /** How many more times the whole chain runs after the first pass. */
  repeat: z.number().int().nonnegative().default(0),
});
export type EscalationConfig = z.infer<typeof escalationSchema>;

export const routingSchema = z
  .strictObject({
    route: routeSchema,
    receivers: z.array(receiverSchema).min(1),
    inhibit_rules: z
      .array(
        z.strictObject({
          source_matchers: z.array(matcher).min(1),
          target_matchers: z.array(matcher).min(1),
          equal: z.array(z.string().min(1)).default([]),
        }),
      )
      .default([]),
    time_intervals: z.array(z.strictObject({ name, time_intervals: z.array(timeInterval).min(1) })).default([]),
    oncall: z
      .strictObject({
        schedules: z.array(scheduleSchema).default([]),
        escalations: z.array(escalationSchema).default([]),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => crossReferences(cfg, ctx));
export type RoutingConfig = z.infer<typeof routingSchema>;

function crossReferences(cfg: z.infer<typeof routingSchema>, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const unique = (items: { name: string }[], path: string, what: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.name)) issue([path, i, 'name'], `duplicate ${what} ${JSON.stringify(item.name)}`);
      seen.add(item.name);
    });
    return seen;
  };
  const receivers = unique(cfg.receivers, 'receivers', 'receiver');
  const intervals = unique(cfg.time_intervals, 'time_intervals', 'time interval');
  const schedules = new Set(cfg.oncall.schedules.map((s) => s.name));
  const escalations = new Set(cfg.oncall.escalations.map((e) => e.name));
  const known = (set: Set<string>, value: string, path: PropertyKey[], what: string) => {
    if (!set.has(value)) issue(path, `unknown ${what} ${JSON.stringify(value)}`);
  };
  if (cfg.route.receiver === undefined) issue(['route', 'receiver'], 'the root route needs a receiver');
  if (cfg.route.matchers.length > 0)
    issue(['route', 'matchers'], 'the root route matches every alert; it takes no matchers');
  const walk = (route: RouteConfig, path: PropertyKey[]) => {
    if (route.receiver !== undefined) known(receivers, route.receiver, [...path, 'receiver'], 'receiver');
    route.mute_time_intervals.forEach((n, i) =>
      known(intervals, n, [...path, 'mute_time_intervals', i], 'time interval'),
    );
    route.active_time_intervals.forEach((n, i) =>
      known(intervals, n, [...path, 'active_time_intervals', i], 'time interval'),
    );
    if (route.escalation !== undefined) known(escalations, route.escalation, [...path, 'escalation'], 'escalation');
    route.routes.forEach((r, i) => walk(r, [...path, 'routes', i]));
  };
  walk(cfg.route, ['route']);
  cfg.oncall.schedules.forEach((s, si) =>
    s.participants.forEach((p, pi) =>
      known(receivers, p.receiver, ['oncall', 'schedules', si, 'participants', pi, 'receiver'], 'receiver'),
    ),
  );
  cfg.oncall.schedules.forEach((s, si) =>
    s.overrides.forEach((o, oi) => {
      if (!s.participants.some((p) => p.name === o.participant))
        issue(
          ['oncall', 'schedules', si, 'overrides', oi, 'participant'],
          `not a participant: ${JSON.stringify(o.participant)}`,
        );
      if (Date.parse(o.end) <= Date.parse(o.start))
        issue(['oncall', 'schedules', si, 'overrides', oi, 'end'], 'the override ends before it starts');
    }),
  );
  cfg.oncall.escalations.forEach((e, ei) =>
    e.steps.forEach((step, si) => {
      const at = ['oncall', 'escalations', ei, 'steps', si];
      step.receivers.forEach((r, i) => known(receivers, r, [...at, 'receivers', i], 'receiver'));
      step.schedules.forEach((s, i) => known(schedules, s, [...at, 'schedules', i], 'schedule'));
      if (step.receivers.length + step.schedules.length === 0)
        issue(at, 'a step notifies at least one receiver or schedule');
    }),
  );
}
