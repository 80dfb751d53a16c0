/**
 * Markdown (GitHub-flavoured tables). Everything from records is escaped: Markdown passes
 * inline HTML through, so a prompt holding `<script>` must arrive as text.
 */
import type { ReportDocument, ReportTable } from './document.js';
import { displayText, ledgerSentence, periodText } from './document.js';

export function mdEscape(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#~])/g, '\\$1');
}

function table(t: ReportTable): string[] {
  const head = `| ${t.columns.map((c) => mdEscape(c.title)).join(' | ')} |`;
  const rule = `|${t.columns.map((c) => (c.kind === 'number' ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = t.rows.map(
    (row) => `| ${t.columns.map((c, i) => mdEscape(displayText(row[i] ?? null, c))).join(' | ')} |`,
  );
  return [head, rule, ...rows];
}

export function renderMarkdown(doc: ReportDocument): string {
  const out: string[] = [
    `# ${mdEscape(doc.title)}`,
    '',
    `- **Period:** ${mdEscape(periodText(doc.period))}`,
    `- **Scope:** ${mdEscape(doc.scope.description)}`,
    `- **Generated:** ${mdEscape(doc.generatedAt)} by Trail`,
    `- **Policy:** ${mdEscape(doc.policy)}`,
    // The sentence names the ledger itself ("Ledger verified: …"): no label before it.
    `- ${mdEscape(ledgerSentence(doc.ledger))}`,
  ];
  for (const p of doc.ledger.problems) out.push(`  - ${mdEscape(p)}`);
  out.push('', '## Summary', '');
  out.push(
    ...table({
      columns: [
        { key: 'label', title: 'Figure' },
        { key: 'value', title: 'Value' },
      ],
      rows: doc.summary.map((s) => [s.label.trim(), s.value]),
    }),
  );
  for (const section of doc.sections) {
    out.push('', `## ${mdEscape(section.title)}`, '');
    for (const p of section.intro ?? []) out.push(mdEscape(p), '');
    if (section.table) {
      if (section.table.rows.length === 0) out.push('_None._');
      else out.push(...table(section.table));
    }
    if (section.notes && section.notes.length > 0) {
      out.push('');
      for (const n of section.notes) out.push(`> ${mdEscape(n)}`, '>');
      out.pop();
    }
  }
  return `${out.join('\n')}\n`;
}
