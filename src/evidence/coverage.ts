/**
 * Coverage summaries from the three formats CI tools most often leave behind, detected from
 * the text itself:
 *
 * - lcov tracefiles (geninfo(1), "TRACEFILE FORMAT"): `SF:` opens a source file's record,
 *   `DA:<line>,<hits>[,<checksum>]` per instrumented line, `BRDA:<line>,<block>,<branch>,<taken>`
 *   per branch (`-` when never reached), `LF`/`LH` and `BRF`/`BRH` summaries, `end_of_record`.
 * - Cobertura XML (coverage-04.dtd, as written by coverage.py, Istanbul's `cobertura`
 *   reporter, ReportGenerator...): totals on the `<coverage>` root (`lines-valid`,
 *   `lines-covered`, `branches-valid`, `branches-covered`, `line-rate`).
 * - Istanbul's `json-summary` reporter (`coverage-summary.json`): `total.lines` and
 *   `total.branches`, each `{ total, covered, skipped, pct }`, plus one entry per file.
 *
 * Percentages are recomputed from the counts (rounded to 2 decimals) rather than copied:
 * Istanbul writes `"Unknown"` when nothing was measured and Cobertura rates are rounded to
 * four digits. Nothing measured is reported as 0%, not 100%: evidence of no coverage is not
 * evidence of full coverage.
 */
import { TrailError } from '../core/errors.js';
import { attr, elementsOf, MAX_REPORT_BYTES, readReportXml, type XmlElement } from './junit.js';

export type CoverageFormat = 'lcov' | 'cobertura' | 'istanbul';

export interface CoverageCount {
  covered: number;
  total: number;
  /** covered / total as a percentage, 2 decimals; 0 when total is 0. */
  pct: number;
}

export interface Coverage {
  format: CoverageFormat;
  lines: CoverageCount;
  /** Present only when the report measured at least one branch. */
  branches?: CoverageCount;
  /** Source files the report covers. */
  files: number;
}

const EXPECTED = 'expected an lcov tracefile, Cobertura XML or Istanbul coverage-summary.json';

/** Parses a coverage report, detecting its format. Pure: the caller reads the file and passes its path as `source`. */
export function parseCoverage(text: string, source: string): Coverage {
  if (Buffer.byteLength(text, 'utf8') > MAX_REPORT_BYTES) {
    throw invalid(source, `report is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.trimStart();
  if (start === '') throw invalid(source, `file is empty, ${EXPECTED}`);
  if (start.startsWith('<')) return parseCobertura(body, source);
  if (start.startsWith('{')) return parseIstanbulSummary(body, source);
  if (/^(TN|SF):/m.test(body)) return parseLcov(body, source);
  throw invalid(
    source,
    `unknown coverage format (starts with ${JSON.stringify(firstLine(start).slice(0, 24))}; ${EXPECTED})`,
  );
}

// --- lcov ----------------------------------------------------------------------------------

interface LcovFile {
  /** Line number -> hits, merged over every record for the file. */
  lines: Map<number, number>;
  /** `line,block,branch` -> times taken. */
  branches: Map<string, number>;
  /** LF/LH/BRF/BRH summaries, used only when a record has no DA/BRDA lines. */
  summary: { lf?: number; lh?: number; brf?: number; brh?: number };
}

/**
 * The same source file may appear in several records (one per test name, `TN:`), so lines
 * and branches are merged by file before counting; summing `LF` would count them twice.
 */
function parseLcov(text: string, source: string): Coverage {
  const files = new Map<string, LcovFile>();
  let current: { path: string; file: LcovFile; startLine: number } | undefined;
  const lines = text.split(/\r?\n/);

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const lineNo = i + 1;
    if (line === 'end_of_record') {
      if (!current) throw invalid(source, `lcov line ${lineNo}: end_of_record without a preceding SF record`);
      current = undefined;
      continue;
    }
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (tag === 'SF') {
      if (current) {
        throw invalid(
          source,
          `lcov line ${lineNo}: SF before end_of_record of ${current.path} (line ${current.startLine})`,
        );
      }
      if (value === '') throw invalid(source, `lcov line ${lineNo}: SF without a file name`);
      const file = files.get(value) ?? { lines: new Map(), branches: new Map(), summary: {} };
      files.set(value, file);
      current = { path: value, file, startLine: lineNo };
      continue;
    }
    if (tag === 'TN' || tag === 'VER') continue;
    if (!/^[A-Z]+$/.test(tag)) {
      throw invalid(source, `lcov line ${lineNo} is malformed: ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (!current) {
      if (['DA', 'LF', 'LH', 'BRDA', 'BRF', 'BRH'].includes(tag)) {
        throw invalid(source, `lcov line ${lineNo}: ${tag} outside an SF record`);
      }
      continue;
    }
    const file = current.file;
    const bad = () =>
      invalid(source, `lcov line ${lineNo} is malformed: ${JSON.stringify(line.slice(0, 80))}`);
    switch (tag) {
      case 'DA': {
        const [at, hits] = value.split(',');
        const n = integer(at);
        const h = hitCount(hits);
        if (n === undefined || h === undefined) throw bad();
        file.lines.set(n, (file.lines.get(n) ?? 0) + h);
        break;
      }
      case 'BRDA': {
        const parts = value.split(',');
        if (parts.length < 4) throw bad();
        const taken = parts[parts.length - 1]!;
        const h = taken === '-' ? 0 : hitCount(taken);
        if (h === undefined || integer(parts[0]) === undefined) throw bad();
        const key = parts.slice(0, -1).join(',');
        file.branches.set(key, (file.branches.get(key) ?? 0) + h);
        break;
      }
      case 'LF':
      case 'LH':
      case 'BRF':
      case 'BRH': {
        const n = integer(value);
        if (n === undefined) throw bad();
        const key = tag.toLowerCase() as 'lf' | 'lh' | 'brf' | 'brh';
        file.summary[key] = Math.max(file.summary[key] ?? 0, n);
        break;
      }
      default:
        // FN, FNDA, FNF, FNH, FNL, FNA, MCDC...: function and condition data Trail does not record.
        break;
    }
  }
  if (current) {
    throw invalid(
      source,
      `lcov is truncated: the record for ${current.path} (line ${current.startLine}) has no end_of_record`,
    );
  }
  if (files.size === 0) throw invalid(source, 'lcov has no SF records');

  const lineCount = { covered: 0, total: 0 };
  const branchCount = { covered: 0, total: 0 };
  for (const file of files.values()) {
    if (file.lines.size > 0) {
      lineCount.total += file.lines.size;
      for (const hits of file.lines.values()) if (hits > 0) lineCount.covered++;
    } else {
      lineCount.total += file.summary.lf ?? 0;
      lineCount.covered += file.summary.lh ?? 0;
    }
    if (file.branches.size > 0) {
      branchCount.total += file.branches.size;
      for (const taken of file.branches.values()) if (taken > 0) branchCount.covered++;
    } else {
      branchCount.total += file.summary.brf ?? 0;
      branchCount.covered += file.summary.brh ?? 0;
    }
  }
  return result('lcov', source, lineCount, branchCount, files.size);
}

// --- Cobertura -----------------------------------------------------------------------------

function parseCobertura(text: string, source: string): Coverage {
  const { element } = readReportXml(text, source, 'Cobertura XML', ['coverage']);
  const classes = elementsOf(element, 'packages')
    .flatMap((p) => elementsOf(p, 'package'))
    .flatMap((p) => elementsOf(p, 'classes'))
    .flatMap((c) => elementsOf(c, 'class'));
  const hasTotals = attr(element, 'lines-valid') !== undefined || attr(element, 'line-rate') !== undefined;
  if (!hasTotals && classes.length === 0) {
    // Clover XML also has a <coverage> root, with <project> and <metrics> inside.
    throw invalid(source, 'not Cobertura XML (<coverage> has no line-rate, lines-valid or <packages>)');
  }
  const fileNames = new Set(classes.map((c) => attr(c, 'filename') ?? attr(c, 'name') ?? ''));

  const linesValid = attr(element, 'lines-valid');
  const linesCovered = attr(element, 'lines-covered');
  let lines: { covered: number; total: number };
  let branches: { covered: number; total: number };
  if (linesValid !== undefined && linesCovered !== undefined) {
    lines = {
      total: attrCount(source, 'lines-valid', linesValid),
      covered: attrCount(source, 'lines-covered', linesCovered),
    };
    const valid = attr(element, 'branches-valid');
    const covered = attr(element, 'branches-covered');
    branches =
      valid !== undefined && covered !== undefined
        ? {
            total: attrCount(source, 'branches-valid', valid),
            covered: attrCount(source, 'branches-covered', covered),
          }
        : countBranches(classes);
  } else {
    // coverage-03.dtd and some writers leave the totals out: count the <line> elements,
    // once per file and line number (a line can be listed under a method and its class).
    ({ lines, branches } = countLines(classes));
    if (lines.total === 0 && classes.length === 0) {
      throw invalid(source, 'Cobertura XML has neither lines-valid/lines-covered totals nor <line> elements');
    }
  }
  return result('cobertura', source, lines, branches, fileNames.size);
}

function countLines(classes: XmlElement[]): {
  lines: { covered: number; total: number };
  branches: { covered: number; total: number };
} {
  const seen = new Map<string, number>();
  for (const cls of classes) {
    const file = attr(cls, 'filename') ?? attr(cls, 'name') ?? '';
    for (const line of linesOf(cls)) {
      const key = `${file}\u0000${attr(line, 'number') ?? ''}`;
      seen.set(key, Math.max(seen.get(key) ?? 0, hitCount(attr(line, 'hits')) ?? 0));
    }
  }
  let covered = 0;
  for (const hits of seen.values()) if (hits > 0) covered++;
  return { lines: { covered, total: seen.size }, branches: countBranches(classes) };
}

/** Branches from `condition-coverage="50% (1/2)"` on `<line branch="true">`, once per file and line. */
function countBranches(classes: XmlElement[]): { covered: number; total: number } {
  const seen = new Map<string, { covered: number; total: number }>();
  for (const cls of classes) {
    const file = attr(cls, 'filename') ?? attr(cls, 'name') ?? '';
    for (const line of linesOf(cls)) {
      const match = /\((\d+)\/(\d+)\)/.exec(attr(line, 'condition-coverage') ?? '');
      if (attr(line, 'branch') !== 'true' || !match) continue;
      seen.set(`${file}\u0000${attr(line, 'number') ?? ''}`, {
        covered: Number(match[1]),
        total: Number(match[2]),
      });
    }
  }
  const sum = { covered: 0, total: 0 };
  for (const b of seen.values()) {
    sum.covered += b.covered;
    sum.total += b.total;
  }
  return sum;
}

function linesOf(cls: XmlElement): XmlElement[] {
  const direct = elementsOf(cls, 'lines').flatMap((l) => elementsOf(l, 'line'));
  const inMethods = elementsOf(cls, 'methods')
    .flatMap((m) => elementsOf(m, 'method'))
    .flatMap((m) => elementsOf(m, 'lines'))
    .flatMap((l) => elementsOf(l, 'line'));
  return [...direct, ...inMethods];
}

function attrCount(source: string, name: string, value: string): number {
  const n = integer(value);
  if (n === undefined) {
    throw invalid(source, `Cobertura attribute ${name}="${value.slice(0, 40)}" is not a count`);
  }
  return n;
}

// --- Istanbul json-summary -----------------------------------------------------------------

function parseIstanbulSummary(text: string, source: string): Coverage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TrailError(
      'INPUT_INVALID',
      `${source}: JSON is truncated or malformed: ${firstLine(String(error))}`,
      {
        cause: error,
      },
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw invalid(source, `not a coverage summary (${EXPECTED})`);
  }
  const summary = data as Record<string, unknown>;
  const total = summary.total;
  if (total === null || typeof total !== 'object') {
    if (Object.values(summary).some((v) => v !== null && typeof v === 'object' && 'statementMap' in v)) {
      throw invalid(
        source,
        'this is Istanbul coverage-final.json; use the json-summary reporter (coverage-summary.json)',
      );
    }
    throw invalid(source, `unknown JSON coverage format: no "total" (${EXPECTED})`);
  }
  const lines = metric(source, total as Record<string, unknown>, 'lines', true)!;
  const branches = metric(source, total as Record<string, unknown>, 'branches', false) ?? {
    covered: 0,
    total: 0,
  };
  const files = Object.keys(summary).filter((k) => k !== 'total').length;
  return result('istanbul', source, lines, branches, files);
}

function metric(
  source: string,
  total: Record<string, unknown>,
  name: string,
  required: boolean,
): { covered: number; total: number } | undefined {
  const m = total[name];
  if (m === undefined && !required) return undefined;
  if (m === null || typeof m !== 'object') throw invalid(source, `coverage summary: missing total.${name}`);
  const { covered, total: all } = m as { covered?: unknown; total?: unknown };
  if (!isCount(all)) throw invalid(source, `coverage summary: total.${name}.total is not a count`);
  if (!isCount(covered)) throw invalid(source, `coverage summary: total.${name}.covered is not a count`);
  return { covered, total: all };
}

// --- shared --------------------------------------------------------------------------------

function result(
  format: CoverageFormat,
  source: string,
  lines: { covered: number; total: number },
  branches: { covered: number; total: number },
  files: number,
): Coverage {
  if (lines.covered > lines.total) {
    throw invalid(source, `coverage claims ${lines.covered} covered lines out of ${lines.total}`);
  }
  if (branches.covered > branches.total) {
    throw invalid(source, `coverage claims ${branches.covered} covered branches out of ${branches.total}`);
  }
  return {
    format,
    lines: withPct(lines),
    ...(branches.total > 0 ? { branches: withPct(branches) } : {}),
    files,
  };
}

function withPct(c: { covered: number; total: number }): CoverageCount {
  // Integer arithmetic first, so 2/3 gives 66.67 and not 66.66999999.
  const pct = c.total === 0 ? 0 : Math.round((c.covered * 10000) / c.total) / 100;
  return { covered: c.covered, total: c.total, pct };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Hit counts are integers, but some writers (gcov with -a, llvm-cov) emit large or fractional ones. */
function hitCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  return value.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0]!.trim();
}

function invalid(source: string, what: string): TrailError {
  return new TrailError('INPUT_INVALID', `${source}: ${what}`);
}
