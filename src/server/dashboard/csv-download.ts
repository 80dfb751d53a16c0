/**
 * A dashboard list as a CSV download: every page of it the API gives out by cursor, up to
 * MAX_ROWS rows, one header line and CRLF line ends (RFC 4180). Cells go through the reports'
 * csvCell, so a cell a spreadsheet would run as a formula is text here too.
 */
import type { Cell } from '../../report/document.js';
import { csvCell } from '../../report/render-csv.js';

/** Rows a download holds at most: past it, the list is cut (the page says how to narrow it). */
export const MAX_ROWS = 50_000;

/** One page of the list: its items and the cursor of the next, null at the end. */
export type PageOf<T> = (
  cursor: string | undefined,
) => Promise<{ items: readonly T[]; nextCursor: string | null }>;

export async function csvOfPages<T>(header: readonly string[], pageOf: PageOf<T>, row: (item: T) => Cell[]) {
  const lines = [header.join(',')];
  let cursor: string | undefined;
  let rows = 0;
  do {
    const page = await pageOf(cursor);
    for (const item of page.items) {
      lines.push(row(item).map(csvCell).join(','));
      rows++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && rows < MAX_ROWS);
  return `${lines.join('\r\n')}\r\n`;
}
