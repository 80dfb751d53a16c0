/**
 * Finds ticket references in branch names and prompts: Jira-style keys (ABC-123), GitHub
 * and GitLab issue or PR URLs, Linear and Jira URLs, and `#123` (only with a word boundary
 * before it, so colour codes and anchors are not taken for issues).
 */
export interface TicketRef {
  id: string;
  url?: string;
  system?: 'github' | 'gitlab' | 'jira' | 'linear' | 'other';
}

const URLS: Array<{ system: TicketRef['system']; pattern: RegExp; id: (m: RegExpExecArray) => string }> = [
  {
    system: 'github',
    pattern: /https?:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/(?:issues|pull)\/(\d+)/g,
    id: (m) => `${m[1]}#${m[2]}`,
  },
  {
    system: 'gitlab',
    pattern: /https?:\/\/gitlab\.[\w.]+\/([\w./-]+?)\/-\/(?:issues|merge_requests)\/(\d+)/g,
    id: (m) => `${m[1]}#${m[2]}`,
  },
  {
    system: 'jira',
    pattern: /https?:\/\/[\w.-]+\.atlassian\.net\/browse\/([A-Z][A-Z0-9]+-\d+)/g,
    id: (m) => m[1]!,
  },
  {
    system: 'linear',
    pattern: /https?:\/\/linear\.app\/[\w-]+\/issue\/([A-Z][A-Z0-9]+-\d+)/g,
    id: (m) => m[1]!,
  },
];

/** Key-shaped words that are standards and encodings, not projects. */
const NOT_TICKETS = new Set([
  'UTF',
  'SHA',
  'ISO',
  'RFC',
  'AES',
  'HTTP',
  'TLS',
  'SSL',
  'MD',
  'CVE',
  'GPT',
  'ES',
  'TS',
  'PEP',
  'ECMA',
  'IEEE',
  'X',
]);

export function findTickets(text: string): TicketRef[] {
  const found = new Map<string, TicketRef>();
  let rest = text;
  for (const { system, pattern, id } of URLS) {
    for (const m of text.matchAll(pattern)) {
      const ref = { id: id(m as RegExpExecArray), url: m[0], system };
      found.set(ref.id, ref);
      rest = rest.replace(m[0], ' ');
    }
  }
  for (const m of rest.matchAll(/(?<![\w-])([A-Z][A-Z0-9]{1,9})-(\d{1,7})(?![\w])/g)) {
    if (NOT_TICKETS.has(m[1]!)) continue;
    const id = `${m[1]}-${m[2]}`;
    if (!found.has(id)) found.set(id, { id, system: 'jira' });
  }
  for (const m of rest.matchAll(/(?:^|[\s(/_-])#(\d{1,7})\b/g)) {
    const id = `#${m[1]}`;
    if (!found.has(id)) found.set(id, { id, system: 'other' });
  }
  return [...found.values()];
}
