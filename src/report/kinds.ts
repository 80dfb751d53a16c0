/** Every report kind, one module each, and every format, one renderer each. */
import { buildChecklistReport } from './checklist.js';
import type { ReportDocument, ReportFormat, ReportInput, ReportKind } from './document.js';
import { buildEuAiActReport } from './eu-ai-act.js';
import { buildGapsReport } from './gaps.js';
import { buildNistAiRmfReport } from './nist-ai-rmf.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-md.js';
import { renderPdf } from './render-pdf.js';
import { buildSlsaReport } from './slsa.js';
import { buildSoc2Report } from './soc2.js';

export const REPORT_BUILDERS: Record<ReportKind, (input: ReportInput) => ReportDocument> = {
  soc2: buildSoc2Report,
  'eu-ai-act': buildEuAiActReport,
  'nist-ai-rmf': buildNistAiRmfReport,
  slsa: buildSlsaReport,
  checklist: buildChecklistReport,
  gaps: buildGapsReport,
};

/**
 * The kinds that hold the pushes a code host saw against the commits `trail push` sent
 * (gaps.ts): a server gathers those pushes, one query over its webhook deliveries, only for
 * these. test/report/host-gaps.test.ts holds every other kind to not reading them.
 */
export const KINDS_READING_HOST_PUSHES: ReadonlySet<ReportKind> = new Set<ReportKind>(['gaps', 'eu-ai-act']);

export type Progress = (done: number, total: number) => void;

/** Renders a document in one of the document formats (not `jsonl`, which only SLSA has). */
export async function renderReport(
  doc: ReportDocument,
  format: Exclude<ReportFormat, 'jsonl'>,
  onProgress?: Progress,
): Promise<Buffer> {
  switch (format) {
    case 'json':
      return Buffer.from(renderJson(doc), 'utf8');
    case 'csv':
      return renderCsv(doc, onProgress);
    case 'md':
      return Buffer.from(renderMarkdown(doc), 'utf8');
    case 'html':
      return Buffer.from(renderHtml(doc, onProgress), 'utf8');
    case 'pdf':
      return renderPdf(doc, onProgress);
  }
}
