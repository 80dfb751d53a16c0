/** JSON: the report document itself, with each table row as an object keyed by column. */
import type { ReportDocument } from './document.js';

export function renderJson(doc: ReportDocument): string {
  const sections = doc.sections.map((section) => {
    if (!section.table) return section;
    const { columns, rows } = section.table;
    return {
      ...section,
      table: {
        columns,
        rows: rows.map((row) => {
          const out: Record<string, unknown> = {};
          columns.forEach((c, i) => {
            out[c.key] = row[i] ?? null;
          });
          return out;
        }),
      },
    };
  });
  return `${JSON.stringify({ ...doc, sections }, null, 2)}\n`;
}
