import type { Alert, Labels, Notification } from '@k2/contracts';
import type { ReceiverConfig } from '../route/config.js';
import { renderTemplate, TemplateError } from './template.js';

export type Escape = (s: string) => string;

export const escapeHtml: Escape = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** Slack mrkdwn: only &, < and > are control characters. */
export const escapeSlack: Escape = (s) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
/** Markdown (DingTalk, WeCom, Feishu lark_md): a value cannot open a link, emphasis or heading. */
export const escapeMarkdown: Escape = (s) => s.replace(/[\\`*_[\]()#>!|~<]/g, (c) => `\\${c}`);
export const plain: Escape = (s) => s;

/** The label (or annotation) pairs every alert shares; a plain loop, as this runs for every message sent. */
function common(alerts: readonly Alert[], pick: (a: Alert) => Labels): Labels {
  if (alerts.length === 0) return {};
  const first = pick(alerts[0]!);
  // One alert (every notification of a group per alert) shares all of its pairs: a copy, no key-by-key loop.
  if (alerts.length === 1) return { ...first };
  const out: Labels = {};
  for (const k in first) {
    const v = first[k];
    let shared = true;
    for (let i = 1; i < alerts.length && shared; i++) shared = pick(alerts[i]!)[k] === v;
    if (shared) out[k] = v!;
  }
  return out;
}

/** What a template sees (docs/dispatcher.md lists it). */
export function templateData(n: Notification) {
  const firing = n.alerts.filter((a) => a.status === 'firing').length;
  return {
    status: n.status,
    receiver: n.receiver,
    groupKey: n.groupKey,
    groupLabels: n.groupLabels,
    commonLabels: common(n.alerts, (a) => a.labels),
    commonAnnotations: common(n.alerts, (a) => a.annotations),
    alerts: n.alerts,
    reason: n.reason,
    count: n.alerts.length,
    firing,
    resolved: n.alerts.length - firing,
  };
}

/** `[FIRING:2] oom_kill shop/cart`: status, count and what the group is about. */
export function title(n: Notification, data = templateData(n)): string {
  const about = [data.commonLabels.alertname, data.commonLabels.namespace ?? data.commonLabels.cluster]
    .filter(Boolean)
    .join(' ');
  const escalation = n.reason === 'escalation' ? ' (escalation)' : n.reason === 'digest' ? ' (digest)' : '';
  return `[${n.status.toUpperCase()}:${n.alerts.length}]${about ? ` ${about}` : ''}${escalation}`;
}

function describe(a: Alert): string {
  const what = a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? a.fingerprint;
  const where = [a.labels.cluster, a.labels.namespace, a.labels.workload].filter(Boolean).join('/');
  const sev = a.labels.severity ? `[${a.labels.severity}] ` : '';
  return `${a.status === 'resolved' ? 'RESOLVED ' : ''}${sev}${what}${where ? ` (${where})` : ''}`;
}

/** The built-in message: one line per alert, values escaped for the target format. */
export function defaultText(n: Notification, escape: Escape, bullet = '- '): string {
  return n.alerts.map((a) => `${bullet}${escape(describe(a))}`).join('\n');
}

export interface RenderOutcome {
  text: string;
  /** The template failed at send time and the built-in text went out instead. */
  fellBack: boolean;
}

/** The receiver's template, or the built-in text; a template failing at send time falls back, never drops. */
export function renderBody(cfg: ReceiverConfig, n: Notification, escape: Escape, bullet?: string): RenderOutcome {
  if (cfg.template) {
    try {
      return { text: renderTemplate(cfg.template, templateData(n), escape), fellBack: false };
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      return { text: defaultText(n, escape, bullet), fellBack: true };
    }
  }
  return { text: defaultText(n, escape, bullet), fellBack: false };
}
