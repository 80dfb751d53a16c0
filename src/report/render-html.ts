/**
 * HTML: one self-contained page for people, printable. Every value from records is escaped
 * (prompts can hold `<script>`), and a Content-Security-Policy that allows no script at all
 * backs that up. Printing repeats each table's header row on every page (thead) and numbers
 * the pages "Page N of M" (CSS paged media).
 */
import type { Cell, ReportColumn, ReportDocument, ReportTable } from './document.js';
import { displayText, ledgerSentence, periodText, statusTone } from './document.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d232b; margin: 2rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
dl.meta dt { font-weight: 600; color: #57606a; }
dl.meta dd { margin: 0; }
.ledger { padding: .6rem .8rem; border-radius: 6px; font-weight: 600; }
.ledger.ok { background: #e6f4ea; color: #1a5e2a; border: 1px solid #a6d8b4; }
.ledger.bad { background: #fdecea; color: #8a1c12; border: 1px solid #f1aeb5; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
/* break-word, not anywhere: a word longer than its column may still break, but the columns are
   laid out so that every word has room first (anywhere made each column's least width one letter,
   and short columns came out as "pen" over "ding"). A table that cannot fit scrolls in its box. */
.table-wrap { overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: .25rem .4rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #eef1f4; }
.nowrap { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #f8f9fa; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
td.bad { color: #a40e26; font-weight: 600; }
td.good { color: #1a7f37; }
td.warn { color: #9a6700; }
p.note { color: #57606a; font-size: .92em; }
footer { margin-top: 2rem; color: #57606a; font-size: .9em; }
@media print {
  body { margin: 0; font-size: 9pt; }
  .table-wrap { overflow-x: visible; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
@page {
  size: A4 landscape;
  margin: 14mm 12mm 16mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #57606a; }
  @bottom-left { content: "Trail report"; font-size: 8pt; color: #57606a; }
}
`;

function statusClass(text: string): string {
  const tone = statusTone(text);
  return tone ? ` class="${tone}"` : '';
}

function cell(value: Cell, column: ReportColumn): string {
  if (value === null || value === undefined || value === '') return '<td></td>';
  const text = String(value);
  if (column.kind === 'id') {
    return `<td><code title="${htmlEscape(text)}">${htmlEscape(displayText(value, column))}</code></td>`;
  }
  if (column.kind === 'time') {
    // A narrow column breaks between the day and the time, never inside the day ("2026-03-" over "01").
    const [day, ...rest] = displayText(value, column).split(' ');
    return `<td><span class="nowrap">${htmlEscape(day!)}</span>${rest.length > 0 ? ` ${htmlEscape(rest.join(' '))}` : ''}</td>`;
  }
  if (column.kind === 'number' || typeof value === 'number')
    return `<td class="number">${htmlEscape(text)}</td>`;
  if (column.kind === 'status') return `<td${statusClass(text)}>${htmlEscape(text)}</td>`;
  return `<td>${htmlEscape(text)}</td>`;
}

/** A column title that breaks only between its words: "SHA-256" is not split at its hyphen. */
function headerText(title: string): string {
  return title
    .split(' ')
    .map((word) =>
      word.includes('-') ? `<span class="nowrap">${htmlEscape(word)}</span>` : htmlEscape(word),
    )
    .join(' ');
}

function table(t: ReportTable, out: string[], onRow?: () => void): void {
  out.push(
    '<div class="table-wrap"><table>',
    `<thead><tr>${t.columns.map((c) => `<th scope="col">${headerText(c.title)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
  );
  if (t.rows.length === 0) out.push(`<tr><td colspan="${t.columns.length}"><em>None.</em></td></tr>`);
  for (const row of t.rows) {
    out.push(`<tr>${t.columns.map((c, i) => cell(row[i] ?? null, c)).join('')}</tr>`);
    onRow?.();
  }
  out.push('</tbody>', '</table></div>');
}

export function renderHtml(doc: ReportDocument, onProgress?: (done: number, total: number) => void): string {
  const total = doc.sections.reduce((n, s) => n + (s.table?.rows.length ?? 0), 0);
  let done = 0;
  const onRow = onProgress
    ? () => {
        if (++done % 5000 === 0) onProgress(done, total);
      }
    : undefined;
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="generator" content="Trail">',
    `<title>${htmlEscape(`${doc.title}: ${doc.scope.repository}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${htmlEscape(doc.title)}</h1>`,
    '<dl class="meta">',
    `<dt>Period</dt><dd>${htmlEscape(periodText(doc.period))}</dd>`,
    `<dt>Scope</dt><dd>${htmlEscape(doc.scope.description)}</dd>`,
    `<dt>Generated</dt><dd>${htmlEscape(doc.generatedAt)} by Trail</dd>`,
    `<dt>Policy</dt><dd>${htmlEscape(doc.policy)}</dd>`,
    '</dl>',
    `<p class="ledger ${doc.ledger.ok ? 'ok' : 'bad'}">${htmlEscape(ledgerSentence(doc.ledger))}</p>`,
  ];
  if (doc.ledger.problems.length > 0) {
    out.push(`<ul>${doc.ledger.problems.map((p) => `<li>${htmlEscape(p)}</li>`).join('')}</ul>`);
  }
  out.push('</header>', '<section id="summary">', '<h2>Summary</h2>');
  table(
    {
      columns: [
        { key: 'label', title: 'Figure' },
        { key: 'value', title: 'Value' },
      ],
      rows: doc.summary.map((s) => [s.label.trim(), s.value]),
    },
    out,
  );
  out.push('</section>');
  for (const section of doc.sections) {
    out.push(`<section id="${htmlEscape(section.id)}">`, `<h2>${htmlEscape(section.title)}</h2>`);
    for (const p of section.intro ?? []) out.push(`<p>${htmlEscape(p)}</p>`);
    if (section.table) table(section.table, out, onRow);
    for (const n of section.notes ?? []) out.push(`<p class="note">${htmlEscape(n)}</p>`);
    out.push('</section>');
  }
  out.push(
    `<footer>Generated by Trail at ${htmlEscape(doc.generatedAt)} for ${htmlEscape(doc.scope.repository)}. Verify a signed copy offline with <code>trail verify-report</code>.</footer>`,
    '</body>',
    '</html>',
  );
  return `${out.join('\n')}\n`;
}
