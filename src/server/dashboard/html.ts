/**
 * HTML that is escaped unless it says otherwise. Every value interpolated into `html\`...\``
 * is escaped as text (records hold anything a prompt or commit message can, `<script>`
 * included); only `Html` values made by `html` itself, or by `raw` for markup written in
 * this folder, go through as they are. There is no other way to put text into a page.
 */

const BRAND = Symbol('trail.dashboard.html');

export interface Html {
  readonly [BRAND]: true;
  readonly text: string;
}

export type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe both as element text and inside a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup written by this module's authors, never by a record. */
export function raw(text: string): Html {
  return { [BRAND]: true, text };
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && BRAND in value;
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (isHtml(value)) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return raw(out);
}

export function join(items: readonly Value[], separator: Value = ''): Html {
  return raw(items.map(render).join(render(separator)));
}

/**
 * A link target taken from a record (ticket, deployment or review URL): only http(s) URLs
 * are links, so a `javascript:` or `data:` URL in a record can never run.
 */
export function safeHref(url: string | undefined | null): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** A link when the record's URL is safe, plain text otherwise. */
export function externalLink(url: string | undefined | null, text: Value): Html {
  const href = safeHref(url);
  return href
    ? html`<a href="${href}" rel="noopener noreferrer nofollow" target="_blank">${text}</a>`
    : html`${text}`;
}
