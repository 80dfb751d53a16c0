/**
 * JUnit-style XML test reports, as written by pytest (`--junitxml`), jest-junit, vitest's
 * `junit` reporter, go-junit-report, Maven Surefire and many others. There is no official
 * schema; the common shape (root `<testsuites>` or a bare `<testsuite>`, suites possibly
 * nested, a `<testcase>` passing unless it holds `<failure>`, `<error>` or `<skipped>`) is
 * described by the Ant JUnit XSD and https://github.com/testmoapp/junitxml.
 *
 * Counts come from the `<testcase>` elements, not the suite's `tests`/`failures` attributes:
 * tools disagree on what those count (pytest counts subtests, jest-junit never sets
 * `errors`), and evidence should say what the report shows, not what it claims.
 *
 * Parsing is pure: text in, values out. Entities are never expanded (`processEntities:
 * false`), so an internal DTD cannot grow the document (billion laughs) and nothing external
 * is ever fetched (fast-xml-parser has no resolver); the five predefined XML entities and
 * character references are decoded here, in one pass.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TrailError } from '../core/errors.js';

/** Reports larger than this are refused before parsing. */
export const MAX_REPORT_BYTES = 50 * 1024 * 1024;

export type TestTool = 'pytest' | 'jest' | 'vitest' | 'go' | 'maven-surefire' | 'generic';

export interface TestCounts {
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  errored: number;
}

export interface SuiteResult extends TestCounts {
  name: string;
  durationMs?: number;
}

export interface FailingTest {
  suite: string;
  name: string;
  /** First line of the failure or error message, at most 500 characters. */
  message?: string;
}

export interface TestReport {
  tool?: TestTool;
  suites: SuiteResult[];
  totals: TestCounts;
  failing: FailingTest[];
  durationMs?: number;
}

const MESSAGE_MAX = 500;
/** The test-result record caps suite and test names at this length. */
const NAME_MAX = 1024;

/** A parsed element: attributes under `@`, text under `#text`, CDATA under `#cdata`, children by name. */
export interface XmlElement {
  '@'?: Record<string, string>;
  '#text'?: string;
  '#cdata'?: unknown[];
  [child: string]: unknown;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributesGroupName: '@',
  attributeNamePrefix: '',
  cdataPropName: '#cdata',
  textNodeName: '#text',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

/**
 * Validates and parses an XML report whose root must be one of `roots`, or throws
 * INPUT_INVALID naming `source` and what is wrong. `kind` names the expected format in
 * messages ("JUnit XML", "Cobertura XML").
 */
export function readReportXml(
  text: string,
  source: string,
  kind: string,
  roots: readonly string[],
): { root: string; element: XmlElement } {
  if (Buffer.byteLength(text, 'utf8') > MAX_REPORT_BYTES) {
    throw invalid(source, `report is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw invalid(source, `file is empty, expected ${kind}`);
  const expected = roots.map((r) => `<${r}>`).join(' or ');

  // Name the root before validating, so an HTML error page (rarely well-formed XML) is
  // reported as the wrong document rather than as broken XML.
  const sniffed = sniffRoot(body);
  if (sniffed.kind === 'not-xml') throw invalid(source, `not ${kind} (${describeNonXml(sniffed.start)})`);
  if (sniffed.kind === 'root' && !roots.includes(sniffed.name)) {
    throw invalid(source, `not ${kind} (root element <${sniffed.name}>, expected ${expected})`);
  }

  const valid = XMLValidator.validate(body);
  if (valid !== true) throw invalid(source, describeInvalid(body, valid.err));

  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(body) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TrailError('INPUT_INVALID', `${source}: XML could not be parsed: ${firstLine(reason)}`, {
      cause: error,
    });
  }
  const names = Object.keys(doc).filter((k) => k !== '#text');
  const elements = names.flatMap((name) => elementsOf(doc, name));
  if (elements.length !== 1) {
    throw invalid(
      source,
      elements.length === 0 ? 'XML has no root element' : 'XML has more than one root element',
    );
  }
  const root = names[0]!;
  if (!roots.includes(root)) {
    throw invalid(source, `not ${kind} (root element <${root}>, expected ${expected})`);
  }
  return { root, element: elements[0]! };
}

/** Parses a JUnit-style XML report. Pure: the caller reads the file and passes its path as `source`. */
export function parseJUnit(xml: string, source: string): TestReport {
  const { root, element } = readReportXml(xml, source, 'JUnit XML', ['testsuites', 'testsuite']);
  const top = root === 'testsuites' ? elementsOf(element, 'testsuite') : [element];
  // Some reporters (node's own junit reporter) put top-level tests straight under
  // <testsuites>; they form a suite named after the run.
  const loose = root === 'testsuites' ? elementsOf(element, 'testcase') : [];
  if (loose.length > 0) {
    top.unshift({ '@': { name: attr(element, 'name') ?? 'tests' }, testcase: loose } as XmlElement);
  }

  const suites: SuiteResult[] = [];
  const failing: FailingTest[] = [];
  let summedMs: number | undefined;
  for (const suite of top) {
    summedMs = addMs(summedMs, collectSuite(suite, suites, failing));
  }

  const totals: TestCounts = { tests: 0, passed: 0, failed: 0, skipped: 0, errored: 0 };
  for (const s of suites) {
    totals.tests += s.tests;
    totals.passed += s.passed;
    totals.failed += s.failed;
    totals.skipped += s.skipped;
    totals.errored += s.errored;
  }
  const rootMs = root === 'testsuites' ? seconds(attr(element, 'time')) : undefined;
  const durationMs = rootMs ?? summedMs;
  return {
    tool: detectTool(root, element, top),
    suites,
    totals,
    failing,
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}

/**
 * Adds `suite` (and any suites nested in it) to `out`; returns its duration. A suite is
 * listed when it holds test cases, or when it holds nothing at all (then its attributes are
 * all there is to go on); a suite that only groups other suites is represented by them.
 */
function collectSuite(suite: XmlElement, out: SuiteResult[], failing: FailingTest[]): number | undefined {
  const name = cap(attr(suite, 'name') ?? '', NAME_MAX);
  const cases = elementsOf(suite, 'testcase');
  const nested = elementsOf(suite, 'testsuite');

  let nestedMs: number | undefined;
  for (const child of nested) {
    nestedMs = addMs(nestedMs, collectSuite(child, out, failing));
  }

  let casesMs: number | undefined;
  const counts: TestCounts = { tests: 0, passed: 0, failed: 0, skipped: 0, errored: 0 };
  if (cases.length > 0) {
    for (const testcase of cases) {
      const outcome = outcomeOf(testcase);
      counts.tests++;
      counts[outcome.status]++;
      casesMs = addMs(casesMs, seconds(attr(testcase, 'time')));
      if (outcome.status === 'failed' || outcome.status === 'errored') {
        failing.push({
          suite: name,
          name: cap(caseName(testcase, name), NAME_MAX),
          ...(outcome.message === undefined ? {} : { message: outcome.message }),
        });
      }
    }
  } else if (nested.length === 0) {
    counts.tests = count(attr(suite, 'tests'));
    counts.failed = count(attr(suite, 'failures'));
    counts.errored = count(attr(suite, 'errors'));
    counts.skipped = count(attr(suite, 'skipped')) + count(attr(suite, 'disabled'));
    counts.tests = Math.max(counts.tests, counts.failed + counts.errored + counts.skipped);
  }
  counts.passed = counts.tests - counts.failed - counts.errored - counts.skipped;

  const ownMs = seconds(attr(suite, 'time'));
  if (cases.length > 0 || nested.length === 0) {
    // A suite that also groups other suites spends part of its own time in them.
    const durationMs = nested.length > 0 ? casesMs : (ownMs ?? casesMs);
    out.push({ name, ...counts, ...(durationMs === undefined ? {} : { durationMs }) });
  }
  return ownMs ?? (nested.length > 0 ? addMs(nestedMs, casesMs) : casesMs);
}

type Status = 'passed' | 'failed' | 'skipped' | 'errored';

/**
 * A test case's outcome. An `<error>` (the test could not run as written) outranks a
 * `<failure>` (an assertion failed), which outranks `<skipped>`. Surefire's `flakyFailure`,
 * `flakyError`, `rerunFailure` and `rerunError` are not outcomes: a flaky test passed on a
 * rerun, and a test that failed every rerun also carries a plain `<failure>` or `<error>`.
 * Some writers (CTest, Ant) use a `status` attribute instead of child elements.
 */
function outcomeOf(testcase: XmlElement): { status: Status; message?: string } {
  const error = elementsOf(testcase, 'error')[0];
  if (error) return { status: 'errored', ...messageOf(error) };
  const failure = elementsOf(testcase, 'failure')[0];
  if (failure) return { status: 'failed', ...messageOf(failure) };
  if (elementsOf(testcase, 'skipped').length > 0) return { status: 'skipped' };
  const status = (attr(testcase, 'status') ?? '').trim().toLowerCase();
  if (/^(skip|skipped|notrun|not_run|not-run|disabled|ignored|pending|todo)$/.test(status)) {
    return { status: 'skipped' };
  }
  if (/^(fail|failed|failure)$/.test(status)) return { status: 'failed' };
  if (/^(error|errored|broken)$/.test(status)) return { status: 'errored' };
  return { status: 'passed' };
}

/** Messages too generic to say anything (go-junit-report writes `message="Failed"`). */
const GENERIC_MESSAGES = new Set(['failed', 'failure', 'error', 'errored']);

function messageOf(node: XmlElement): { message?: string } {
  const attribute = firstLine(attr(node, 'message') ?? '');
  const body = firstLine([decodeXmlEntities(node['#text'] ?? ''), ...cdataOf(node)].join('\n'));
  const chosen = attribute && !(GENERIC_MESSAGES.has(attribute.toLowerCase()) && body) ? attribute : body;
  return chosen ? { message: cap(chosen, MESSAGE_MAX) } : {};
}

/**
 * The test's name, qualified by its `classname` when that adds something: pytest puts the
 * module path there (`tests.test_lib` + `test_always_fail`), while jest-junit repeats the
 * name and vitest, Surefire and go-junit-report repeat the suite name.
 */
function caseName(testcase: XmlElement, suite: string): string {
  const name = attr(testcase, 'name') ?? '';
  const classname = attr(testcase, 'classname') ?? '';
  if (!classname || classname === name || classname === suite || name.startsWith(classname)) return name;
  return name ? `${classname}.${name}` : classname;
}

function detectTool(root: string, element: XmlElement, top: XmlElement[]): TestTool {
  const all = allSuites(top);
  const properties = all.flatMap((s) =>
    elementsOf(s, 'properties').flatMap((p) => elementsOf(p, 'property').map((x) => attr(x, 'name') ?? '')),
  );
  if (properties.includes('go.version')) return 'go';
  const schema = attr(element, 'xsi:noNamespaceSchemaLocation') ?? '';
  if (schema.includes('surefire') || properties.some((p) => p.startsWith('surefire.'))) {
    return 'maven-surefire';
  }
  const runName = root === 'testsuites' ? (attr(element, 'name') ?? '') : '';
  if (/\bvitest\b/i.test(runName)) return 'vitest';
  if (/\bjest\b/i.test(runName)) return 'jest';
  if (/\bpytest\b/i.test(runName) || all.some((s) => attr(s, 'name') === 'pytest')) return 'pytest';
  return 'generic';
}

function allSuites(suites: XmlElement[]): XmlElement[] {
  return suites.flatMap((s) => [s, ...allSuites(elementsOf(s, 'testsuite'))]);
}

// --- XML helpers -------------------------------------------------------------------------

/** The child elements named `name`; a leaf like `<skipped/>` parses to a string and becomes `{}`. */
export function elementsOf(node: unknown, name: string): XmlElement[] {
  if (node === null || typeof node !== 'object') return [];
  const value = Object.hasOwn(node, name) ? (node as Record<string, unknown>)[name] : undefined;
  if (!Array.isArray(value)) return [];
  return value.map(
    (v): XmlElement => (v !== null && typeof v === 'object' ? (v as XmlElement) : { '#text': String(v) }),
  );
}

/** An attribute's value with entities decoded, or undefined when absent. */
export function attr(node: XmlElement, name: string): string | undefined {
  const attributes = node['@'];
  if (!attributes || !Object.hasOwn(attributes, name)) return undefined;
  return decodeXmlEntities(String(attributes[name]));
}

function cdataOf(node: XmlElement): string[] {
  const cdata = node['#cdata'];
  if (!Array.isArray(cdata)) return [];
  return cdata.map((c) =>
    c !== null && typeof c === 'object' ? String((c as XmlElement)['#text'] ?? '') : String(c),
  );
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Decodes the predefined entities and character references (XML 1.0 §4.1, §4.6) in one
 * pass, so `&amp;lt;` stays `&lt;`. Any other entity reference is left as written: DTD
 * entities are never expanded.
 */
export function decodeXmlEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

type Sniffed = { kind: 'root'; name: string } | { kind: 'not-xml'; start: string } | { kind: 'unknown' };

/** The name of the first element, skipping the XML declaration, comments, PIs and a DOCTYPE. */
function sniffRoot(text: string): Sniffed {
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) return { kind: 'unknown' };
    if (text[i] !== '<') return { kind: 'not-xml', start: text.slice(i, i + 24) };
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return { kind: 'unknown' };
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return { kind: 'unknown' };
      i = end + 3;
    } else if (text.slice(i, i + 9).toUpperCase() === '<!DOCTYPE') {
      const end = doctypeEnd(text, i + 9);
      if (end < 0) return { kind: 'unknown' };
      i = end + 1;
    } else {
      const match = /^<([A-Za-z_][\w:.-]*)/.exec(text.slice(i, i + 256));
      return match ? { kind: 'root', name: match[1]! } : { kind: 'not-xml', start: text.slice(i, i + 24) };
    }
  }
}

/** Index of the `>` closing a DOCTYPE, past any internal subset and quoted literals. */
function doctypeEnd(text: string, from: number): number {
  let depth = 0;
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return i;
  }
  return -1;
}

function describeNonXml(start: string): string {
  const trimmed = start.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'looks like JSON, not XML';
  return `not XML: starts with ${JSON.stringify(firstLine(start))}`;
}

/** fast-xml-parser reports unclosed tags as `Invalid '["a","b"]' found.` at line 1: say so plainly. */
function describeInvalid(text: string, err: { msg: string; line: number }): string {
  const unclosed = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(err.msg);
  if (unclosed) {
    let tags: string[] = [];
    try {
      tags = JSON.parse(unclosed[1]!) as string[];
    } catch {
      // keep the generic wording below
    }
    const lastLine = text.trimEnd().split('\n').length;
    const open = tags.length > 0 ? `: ${tags.map((t) => `<${t}>`).join(', ')} never closed` : '';
    return `XML is truncated or malformed at line ${lastLine} (end of file)${open}`;
  }
  return `XML is truncated or malformed at line ${err.line}: ${firstLine(err.msg)}`;
}

// --- small values --------------------------------------------------------------------------

function invalid(source: string, what: string): TrailError {
  return new TrailError('INPUT_INVALID', `${source}: ${what}`);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function firstLine(text: string): string {
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed) return trimmed;
  }
  return '';
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A non-negative integer attribute; absent or garbled counts as 0. */
function count(value: string | undefined): number {
  const n = Number((value ?? '').trim());
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Seconds (as JUnit writes them; old Surefire adds thousands separators) to milliseconds. */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim().replace(/,/g, ''));
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') return undefined;
  return Math.round(n * 1_000_000) / 1000;
}

function addMs(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.round((a + b) * 1000) / 1000;
}
