/**
 * `trail redact FILE|-`: what redaction would remove from a file, and where, without
 * printing any secret: each finding shows its rule, line, column and a masked preview
 * (`ghp_****… (40 chars)`). Inside a repository the repository's own patterns
 * (`redact.patterns` in .trail/config.json) apply too. Always exits 0: it is a report.
 */
import type { Command } from 'commander';
import { findRepoFast } from '../../capture/repo-fast.js';
import type { RedactionRule } from '../../core/redact.js';
import { BUILTIN_RULES, redactText } from '../../core/redact.js';
import { redactionRules } from '../../ledger/redaction-rules.js';
import type { CommandContext } from '../context.js';
import { readInput } from '../files.js';
import { printJson, say } from '../output.js';

export interface RedactionFinding {
  rule: string;
  line: number;
  column: number;
  length: number;
  preview: string;
}

const MARKER = /\[REDACTED:([A-Za-z0-9._-]+)\]/y;

/**
 * Where `redactText` replaced secrets. Redaction keeps the text between secrets verbatim, so
 * the redacted text is the original with each secret swapped for a marker: walking both
 * locates each secret. Redaction itself is not repeated here, so what this reports is
 * exactly what Trail removes.
 */
export function locateRedactions(text: string, rules: readonly RedactionRule[]): RedactionFinding[] {
  const redacted = redactText(text, rules).text;
  if (redacted === text) return [];
  const spans: Array<{ start: number; end: number; rule: string }> = [];
  let i = 0; // in redacted
  let j = 0; // in text
  while (i < redacted.length) {
    MARKER.lastIndex = i;
    const marker = MARKER.exec(redacted);
    if (!marker || text.startsWith(marker[0], j)) {
      if (redacted[i] !== text[j]) break; // cannot happen: redaction only swaps secrets for markers
      i++;
      j++;
      continue;
    }
    i += marker[0].length;
    // The secret ends where the verbatim text after the marker resumes.
    const nextMarker = redacted.indexOf('[REDACTED:', i);
    const following = redacted.slice(i, nextMarker < 0 ? redacted.length : nextMarker);
    let end: number;
    if (following.length === 0) {
      end = nextMarker < 0 ? text.length : j + 1; // two secrets side by side: boundary unknown
    } else {
      const at = text.indexOf(following, j + 1);
      end = at < 0 ? text.length : at;
    }
    spans.push({ start: j, end, rule: marker[1]! });
    j = end;
  }
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  return spans.map((span) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= span.start) lo = mid;
      else hi = mid - 1;
    }
    const secret = text.slice(span.start, span.end);
    return {
      rule: span.rule,
      line: lo + 1,
      column: span.start - lineStarts[lo]! + 1,
      length: secret.length,
      preview: maskedPreview(secret),
    };
  });
}

/** A few leading characters (at most a quarter of the secret, never more than 4), then a mask. */
export function maskedPreview(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 4));
  const head = [...secret.slice(0, shown)].filter((c) => c >= ' ' && c !== '\u007f').join('');
  return `${head}****… (${secret.length} chars)`;
}

function rulesFor(cwd: string): RedactionRule[] {
  const repo = findRepoFast(cwd);
  return repo ? redactionRules(repo) : BUILTIN_RULES;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('redact')
    .description(
      'show what redaction would remove from a file (rule, line, column, masked preview); - reads stdin',
    )
    .argument('<file>', 'the file to check, or - for stdin')
    .option('--json', 'machine output on stdout')
    .action(async (file: string, options: { json?: boolean }) => {
      const ctx = context();
      const text = readInput(file, ctx.cwd).toString('utf8');
      const findings = locateRedactions(text, rulesFor(ctx.cwd));
      const name = file === '-' ? '(stdin)' : file;
      if (options.json) {
        printJson(ctx.io, { file: name, count: findings.length, findings });
        return;
      }
      if (findings.length === 0) {
        say(ctx.io, `${name}: nothing to redact`);
        return;
      }
      for (const f of findings) say(ctx.io, `${name}:${f.line}:${f.column}  ${f.rule}  ${f.preview}`);
      say(ctx.io, `${name}: ${findings.length} secret${findings.length === 1 ? '' : 's'} would be redacted`);
    });
}
