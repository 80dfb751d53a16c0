/**
 * CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma, a
 * quote or a line break, quotes doubled. A text cell that a spreadsheet would read as a
 * formula (starting with = + - @, tab or carriage return) gets a leading single quote
 * (OWASP "CSV injection"): prompts and commit subjects come from people and agents.
 *
 * One table per file: a report with one table is that table; a report with several gets a
 * leading `section` column and the union of their columns, so it still parses as one table.
 * Every row ends with the ledger's state (`Ledger verification`): a CSV has no heading to
 * say it in, and a row copied out of a report over a tampered ledger must still say so. A
 * report with no rows over a failing ledger gets one row that says only that.
 */
import type { Cell, LedgerStatus, ReportColumn, ReportDocument } from './document.js';

/** The last cell of every row: whether the records the row was built from hold. */
export function ledgerCell(ledger: LedgerStatus): string {
  if (!ledger.ok)
    return `FAILED: ${ledger.problemCount} problem${ledger.problemCount === 1 ? '' : 's'} (trail verify)`;
  if (ledger.checkedBy) return `held by ${ledger.checkedBy}, checked at ingest`;
  return `verified: ${ledger.records} records`;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(doc: ReportDocument, onProgress?: (done: number, total: number) => void): Buffer {
  const tables = doc.sections.filter((s) => s.table).map((s) => ({ section: s.id, table: s.table! }));
  const single = tables.length === 1;
  const columns: ReportColumn[] = single ? [] : [{ key: 'section', title: 'section' }];
  const position = new Map<string, number>();
  for (const { table } of tables) {
    for (const c of table.columns) {
      if (position.has(c.key)) continue;
      position.set(c.key, columns.length);
      columns.push(c);
    }
  }
  const ledgerAt = columns.length;
  columns.push({ key: 'ledger-verification', title: 'Ledger verification' });
  const ledger = ledgerCell(doc.ledger);
  const total = tables.reduce((n, t) => n + t.table.rows.length, 0);
  // Encoded a megabyte at a time, so a large report is never one huge string as well.
  const chunks: Buffer[] = [];
  let pending = `${columns.map((c) => csvCell(c.title)).join(',')}\r\n`;
  let done = 0;
  for (const { section, table } of tables) {
    const map = table.columns.map((c) => position.get(c.key)!);
    for (const row of table.rows) {
      const cells: Cell[] = new Array(columns.length).fill(null);
      if (!single) cells[0] = section;
      row.forEach((value, i) => {
        cells[map[i]!] = value;
      });
      cells[ledgerAt] = ledger;
      pending += `${cells.map(csvCell).join(',')}\r\n`;
      if (pending.length > 1 << 20) {
        chunks.push(Buffer.from(pending, 'utf8'));
        pending = '';
      }
      if (onProgress && ++done % 5000 === 0) onProgress(done, total);
    }
  }
  // With no row to carry it, a failure would go unsaid: one row says only that.
  if (total === 0 && !doc.ledger.ok) {
    const cells: Cell[] = new Array(columns.length).fill(null);
    cells[ledgerAt] = ledger;
    pending += `${cells.map(csvCell).join(',')}\r\n`;
  }
  chunks.push(Buffer.from(pending, 'utf8'));
  return Buffer.concat(chunks);
}
