/*
 * Message templates: `{{ path }}` inserts a value, `{{#each alerts}}…{{/each}}` repeats for each
 * alert (paths inside are the alert's: labels.x, annotations.x, status, startsAt…). Deliberately
 * small: a template is checked when the config loads, and rendering fails loudly (the caller falls
 * back to plain text) when a value it names is missing, rather than sending a half-empty message.
 */

const TOP = [
  'status',
  'receiver',
  'groupKey',
  'groupLabels',
  'commonLabels',
  'commonAnnotations',
  'alerts',
  'reason',
  'count',
  'firing',
  'resolved',
];
const IN_ALERT = ['labels', 'annotations', 'status', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'];
const TOKEN = /\{\{\s*([^}]*?)\s*\}\}/g;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

type Node = { text: string } | { path: string[] } | { each: Node[] };

function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let last = 0;
  for (const m of template.matchAll(TOKEN)) {
    const top = stack[stack.length - 1]!;
    if (m.index > last) top.push({ text: template.slice(last, m.index) });
    last = m.index + m[0].length;
    const body = m[1]!;
    const roots = stack.length > 1 ? IN_ALERT : TOP;
    if (body === '#each alerts') {
      if (stack.length > 1) throw new Error('{{#each alerts}} cannot be nested');
      const each: Node[] = [];
      top.push({ each });
      stack.push(each);
    } else if (body === '/each') {
      if (stack.length === 1) throw new Error('{{/each}} without {{#each alerts}}');
      stack.pop();
    } else if (PATH.test(body) && roots.includes(body.split('.')[0]!)) {
      top.push({ path: body.split('.') });
    } else {
      throw new Error(
        `unknown placeholder {{${body}}} (use ${roots.join(', ')}${stack.length === 1 ? ' or #each alerts' : ''})`,
      );
    }
  }
  if (stack.length > 1) throw new Error('{{#each alerts}} is not closed with {{/each}}');
  const rest = template.slice(last);
  if (rest.includes('{{')) throw new Error('unclosed {{');
  if (rest) root.push({ text: rest });
  return root;
}

/** The problem with a template, or undefined when it is fine. */
export function checkTemplate(template: string): string | undefined {
  try {
    parse(template);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export class TemplateError extends Error {}

function lookup(scope: unknown, path: string[]): unknown {
  let v = scope;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !(key in (v as object)))
      throw new TemplateError(`no value for ${path.join('.')}`);
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function renderNodes(nodes: Node[], scope: unknown, escape: (s: string) => string): string {
  let out = '';
  for (const node of nodes) {
    if ('text' in node) out += node.text;
    else if ('path' in node) {
      const v = lookup(scope, node.path);
      if (v === undefined || (typeof v === 'object' && v !== null))
        throw new TemplateError(`${node.path.join('.')} is not a value`);
      out += escape(String(v));
    } else {
      const alerts = (scope as { alerts: unknown[] }).alerts;
      for (const alert of alerts) out += renderNodes(node.each, alert, escape);
    }
  }
  return out;
}

/** Renders; throws TemplateError when a value is missing. Values (never the template text) go through `escape`. */
export function renderTemplate(template: string, data: object, escape: (s: string) => string = (s) => s): string {
  return renderNodes(parse(template), data, escape);
}
