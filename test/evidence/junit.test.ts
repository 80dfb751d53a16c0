/**
 * JUnit XML parsing against fixtures shaped like each tool's output (see
 * test/fixtures/junit/README.md for where each shape comes from), and the inputs a CI job
 * can leave behind instead of a report: nothing, an HTML page, a truncated file, a hostile DTD.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { TrailError } from '../../src/core/errors.js';
import { decodeXmlEntities, MAX_REPORT_BYTES, parseJUnit } from '../../src/evidence/junit.js';

const FIXTURES = new URL('../fixtures/junit/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
    assert.equal(error.code, 'INPUT_INVALID');
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/, 'error messages are one line');
    return true;
  });
}

describe('JUnit reports from real tools', () => {
  test('pytest: one suite, failures, setup error, skip and xfail', () => {
    const report = parseJUnit(fixture('pytest.xml'), 'pytest.xml');
    assert.equal(report.tool, 'pytest');
    assert.deepEqual(report.totals, { tests: 9, passed: 4, failed: 2, skipped: 2, errored: 1 });
    assert.deepEqual(report.suites, [
      { name: 'pytest', tests: 9, passed: 4, failed: 2, skipped: 2, errored: 1, durationMs: 412 },
    ]);
    assert.deepEqual(report.failing, [
      { suite: 'pytest', name: 'tests.test_math.test_div', message: 'ZeroDivisionError: division by zero' },
      // The message attribute holds "&#10;": only its first line is kept.
      { suite: 'pytest', name: 'tests.test_math.test_mul', message: 'assert 6 == 7' },
      {
        suite: 'pytest',
        name: 'tests.test_db.test_query',
        message: 'failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"',
      },
    ]);
    assert.equal(report.durationMs, 412);
  });

  test('jest-junit: message taken from the failure text, quotes decoded in names', () => {
    const report = parseJUnit(fixture('jest-junit.xml'), 'junit.xml');
    assert.equal(report.tool, 'jest');
    assert.deepEqual(report.totals, { tests: 5, passed: 3, failed: 1, skipped: 1, errored: 0 });
    assert.deepEqual(
      report.suites.map((s) => [s.name, s.tests, s.passed, s.failed, s.skipped, s.durationMs]),
      [
        ['Calculator', 3, 2, 1, 0, 871],
        ['Parser', 2, 1, 0, 1, 413],
      ],
    );
    assert.deepEqual(report.failing, [
      {
        suite: 'Calculator',
        name: 'Calculator divides by a fraction',
        message: 'Error: expect(received).toBe(expected) // Object.is equality',
      },
    ]);
    assert.equal(report.durationMs, 1284);
  });

  test('vitest: one suite per file, "describe > test" names, skipped todo', () => {
    const report = parseJUnit(fixture('vitest.xml'), 'vitest.xml');
    assert.equal(report.tool, 'vitest');
    assert.deepEqual(report.totals, { tests: 4, passed: 2, failed: 1, skipped: 1, errored: 0 });
    assert.deepEqual(report.suites, [
      { name: 'src/math.test.ts', tests: 3, passed: 1, failed: 1, skipped: 1, errored: 0, durationMs: 9.1 },
      {
        name: 'src/strings.test.ts',
        tests: 1,
        passed: 1,
        failed: 0,
        skipped: 0,
        errored: 0,
        durationMs: 2.3,
      },
    ]);
    assert.deepEqual(report.failing, [
      {
        suite: 'src/math.test.ts',
        name: 'math > rounds half up',
        message: 'expected 2 to be 3 // Object.is equality',
      },
    ]);
    assert.equal(report.durationMs, 512);
  });

  test('go-junit-report: one suite per package, CDATA output, generic "Failed" message replaced', () => {
    const report = parseJUnit(fixture('go-junit-report.xml'), 'report.xml');
    assert.equal(report.tool, 'go');
    assert.deepEqual(report.totals, { tests: 5, passed: 3, failed: 1, skipped: 1, errored: 0 });
    assert.deepEqual(
      report.suites.map((s) => [s.name, s.tests, s.passed, s.failed, s.skipped]),
      [
        ['example.com/app/calc', 2, 2, 0, 0],
        ['example.com/app/store', 2, 1, 1, 0],
        ['example.com/app/net', 1, 0, 0, 1],
      ],
    );
    assert.deepEqual(report.failing, [
      { suite: 'example.com/app/store', name: 'TestList', message: 'store_test.go:41: got 3 items, want 4' },
    ]);
    // No time on <testsuites>: the suites' times add up (12 + 250 + 3 ms).
    assert.equal(report.durationMs, 265);
  });

  test('maven-surefire: bare <testsuite> root, error vs failure, a flaky test counts as passed', () => {
    const report = parseJUnit(fixture('maven-surefire.xml'), 'TEST-com.example.CalculatorTest.xml');
    assert.equal(report.tool, 'maven-surefire');
    assert.deepEqual(report.totals, { tests: 6, passed: 3, failed: 1, skipped: 1, errored: 1 });
    assert.deepEqual(report.failing, [
      { suite: 'com.example.CalculatorTest', name: 'divides', message: 'expected: <2> but was: <3>' },
      { suite: 'com.example.CalculatorTest', name: 'parsesInput', message: 'For input string: "x1"' },
    ]);
    assert.equal(report.durationMs, 89);
  });

  test('nested suites: each suite holding test cases is listed once, status attributes count', () => {
    const report = parseJUnit(fixture('nested-suites.xml'), 'nested.xml');
    assert.equal(report.tool, 'generic');
    assert.deepEqual(report.totals, { tests: 9, passed: 7, failed: 1, skipped: 1, errored: 0 });
    assert.deepEqual(
      report.suites.map((s) => [s.name, s.tests, s.passed, s.failed, s.skipped, s.durationMs]),
      [
        ['Tests.Registration', 3, 3, 0, 0, 6605.871],
        ['Tests.Authentication.Login', 3, 2, 0, 1, 4356],
        // Its own cases only: the nested suite's time is not counted twice.
        ['Tests.Authentication', 3, 2, 1, 0, 4720.816],
      ],
    );
    assert.deepEqual(report.failing, [
      { suite: 'Tests.Authentication', name: 'testCase9', message: 'Assertion error message' },
    ]);
    assert.equal(report.durationMs, 15682.687);
  });
});

describe('counting', () => {
  test('counts come from <testcase> elements, not the suite attributes', () => {
    const xml = `<testsuite name="s" tests="15" failures="0" errors="0" skipped="0">
      <testcase name="a"/><testcase name="b"><failure message="boom"/></testcase>
    </testsuite>`;
    const report = parseJUnit(xml, 'r.xml');
    assert.deepEqual(report.totals, { tests: 2, passed: 1, failed: 1, skipped: 0, errored: 0 });
  });

  test('a suite without test cases falls back on its attributes', () => {
    const xml = `<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="10" time="0.5"/></testsuites>`;
    const report = parseJUnit(xml, 'r.xml');
    assert.deepEqual(report.suites, [
      { name: 'pytest', tests: 10, passed: 4, failed: 2, skipped: 3, errored: 1, durationMs: 500 },
    ]);
  });

  test('an empty run is a report with zero tests, not an error', () => {
    const report = parseJUnit(
      '<testsuites name="jest tests" tests="0" failures="0" errors="0" time="0.01"></testsuites>',
      'r.xml',
    );
    assert.deepEqual(report.totals, { tests: 0, passed: 0, failed: 0, skipped: 0, errored: 0 });
    assert.deepEqual(report.suites, []);
    assert.equal(report.durationMs, 10);
  });

  test('error outranks failure outranks skipped; status attributes are read', () => {
    const xml = `<testsuite name="s">
      <testcase name="both"><failure message="f"/><error message="e"/></testcase>
      <testcase name="skip-and-fail"><skipped/><failure message="f2"/></testcase>
      <testcase name="notrun" status="notrun"/>
      <testcase name="failed" status="failed"/>
      <testcase name="run" status="run"/>
    </testsuite>`;
    const report = parseJUnit(xml, 'r.xml');
    assert.deepEqual(report.totals, { tests: 5, passed: 1, failed: 2, skipped: 1, errored: 1 });
    assert.deepEqual(
      report.failing.map((f) => [f.name, f.message]),
      [
        ['both', 'e'],
        ['skip-and-fail', 'f2'],
        ['failed', undefined],
      ],
    );
  });

  test('messages keep their first line only and are capped at 500 characters', () => {
    const long = 'x'.repeat(800);
    const xml = `<testsuite name="s"><testcase name="t"><failure>\n\n  ${long}\nsecond line</failure></testcase></testsuite>`;
    const [failing] = parseJUnit(xml, 'r.xml').failing;
    assert.equal(failing?.message?.length, 500);
    assert.ok(failing?.message?.startsWith('xxx'));
  });

  test('entities are decoded once: "&amp;lt;" stays "&lt;"', () => {
    const xml = `<testsuite name="a &amp;lt; b &#x263A; &#9731;"><testcase name="t"/></testsuite>`;
    assert.equal(parseJUnit(xml, 'r.xml').suites[0]?.name, 'a &lt; b ☺ ☃');
    assert.equal(decodeXmlEntities('&lt;&gt;&amp;&quot;&apos;&unknown;&#0;'), `<>&"'&unknown;&#0;`);
  });

  test('a byte-order mark is accepted', () => {
    const report = parseJUnit(
      `\uFEFF<?xml version="1.0"?><testsuite name="s"><testcase name="t"/></testsuite>`,
      'r.xml',
    );
    assert.equal(report.totals.tests, 1);
  });
});

describe('what is not a JUnit report', () => {
  test('empty and blank files', () => {
    assertInvalid(() => parseJUnit('', 'report.xml'), /^report\.xml: file is empty, expected JUnit XML$/);
    assertInvalid(() => parseJUnit(' \n\t\n', 'report.xml'), /^report\.xml: file is empty/);
  });

  test('plain text and JSON', () => {
    assertInvalid(
      () => parseJUnit('All 12 tests passed.\n', 'report.xml'),
      /^report\.xml: not JUnit XML \(not XML: starts with "All 12 tests passed\."\)$/,
    );
    assertInvalid(
      () => parseJUnit('{"numTotalTests": 3}', 'report.json'),
      /^report\.json: not JUnit XML \(looks like JSON/,
    );
  });

  test('an HTML page is named as such', () => {
    assertInvalid(
      () => parseJUnit(fixture('not-junit.html'), 'report.xml'),
      /^report\.xml: not JUnit XML \(root element <html>, expected <testsuites> or <testsuite>\)$/,
    );
  });

  test('well-formed XML with another root', () => {
    assertInvalid(
      () => parseJUnit('<?xml version="1.0"?>\n<coverage line-rate="0.5"/>', 'coverage.xml'),
      /^coverage\.xml: not JUnit XML \(root element <coverage>/,
    );
  });

  test('a truncated file names the unclosed elements and the last line', () => {
    assertInvalid(
      () => parseJUnit(fixture('truncated.xml'), 'report.xml'),
      /^report\.xml: XML is truncated or malformed at line 6 \(end of file\): <testsuites>, <testsuite>, <testcase> never closed$/,
    );
  });

  test('malformed XML names the line', () => {
    const xml =
      '<testsuites>\n  <testsuite name="a">\n    <testcase name="t">\n  </testsuite>\n</testsuites>\n';
    assertInvalid(
      () => parseJUnit(xml, 'report.xml'),
      /^report\.xml: XML is truncated or malformed at line 4: /,
    );
  });

  test('two root elements', () => {
    assertInvalid(
      () => parseJUnit('<testsuite name="a"/><testsuite name="b"/>', 'report.xml'),
      /^report\.xml: XML has more than one root element$/,
    );
  });

  test('reports over the size cap are refused before parsing', () => {
    const huge = `<testsuite>${' '.repeat(MAX_REPORT_BYTES)}</testsuite>`;
    assertInvalid(() => parseJUnit(huge, 'big.xml'), /^big\.xml: report is larger than 50 MiB$/);
  });
});

describe('hostile DTDs', () => {
  test('billion laughs: entities are not expanded, parsing stays fast and small', () => {
    const levels = Array.from({ length: 9 }, (_, i) => {
      const ref = `&lol${i};`.repeat(10);
      return `  <!ENTITY lol${i + 1} "${ref}">`;
    });
    const xml = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol0 "lol">
${levels.join('\n')}
]>
<testsuite name="s"><testcase name="t"><failure message="&lol9;">&lol9;</failure></testcase></testsuite>`;
    const started = performance.now();
    const report = parseJUnit(xml, 'lolz.xml');
    assert.ok(performance.now() - started < 2000, 'parsing took too long');
    assert.deepEqual(report.failing, [{ suite: 's', name: 't', message: '&lol9;' }]);
  });

  test('external entities are refused, never resolved (XXE)', () => {
    const xml = `<?xml version="1.0"?>
<!DOCTYPE testsuite [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<testsuite name="s"><testcase name="&xxe;"><error message="&xxe;"/></testcase></testsuite>`;
    assertInvalid(
      () => parseJUnit(xml, 'xxe.xml'),
      /^xxe\.xml: XML could not be parsed: External entities are not supported$/,
    );
  });

  test('an external DTD reference (as Cobertura writes) is not fetched and does no harm', () => {
    const xml = `<?xml version="1.0"?>
<!DOCTYPE testsuite SYSTEM "http://example.invalid/junit.dtd">
<testsuite name="s"><testcase name="t"/></testsuite>`;
    assert.equal(parseJUnit(xml, 'dtd.xml').totals.passed, 1);
  });
});

test('tests placed directly under <testsuites> (node --test-reporter=junit) are counted', () => {
  const xml =
    '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n' +
    '<testcase name="adds" time="0.001" classname="test"/>\n' +
    '<testcase name="divides" time="0.002" classname="test"><failure message="boom" type="testCodeFailure">boom</failure></testcase>\n' +
    '<testsuite name="group"><testcase name="inner" time="0.001" classname="test"/></testsuite>\n' +
    '</testsuites>\n';
  const report = parseJUnit(xml, 'node.xml');
  assert.deepEqual(report.totals, { tests: 3, passed: 2, failed: 1, skipped: 0, errored: 0 });
  assert.deepEqual(
    report.failing.map((f) => f.name),
    ['test.divides'],
  );
});
