/**
 * Coverage summaries from lcov, Cobertura XML and Istanbul json-summary fixtures (see
 * test/fixtures/coverage/README.md), the edge cases each format allows, and the files a CI
 * job can leave instead of a report.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { TrailError } from '../../src/core/errors.js';
import { validateRecord } from '../../src/core/records.js';
import { parseCoverage } from '../../src/evidence/coverage.js';
import { parseJUnit } from '../../src/evidence/junit.js';

const FIXTURES = new URL('../fixtures/coverage/', import.meta.url);

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

describe('the three formats', () => {
  test('lcov tracefile', () => {
    assert.deepEqual(parseCoverage(fixture('lcov.info'), 'coverage/lcov.info'), {
      format: 'lcov',
      lines: { covered: 8, total: 12, pct: 66.67 },
      branches: { covered: 3, total: 6, pct: 50 },
      files: 3,
    });
  });

  test('Cobertura XML (coverage.py) with a DOCTYPE-free header and comments', () => {
    assert.deepEqual(parseCoverage(fixture('cobertura.xml'), 'coverage.xml'), {
      format: 'cobertura',
      lines: { covered: 9, total: 12, pct: 75 },
      branches: { covered: 3, total: 4, pct: 75 },
      files: 3,
    });
  });

  test('Istanbul coverage-summary.json', () => {
    assert.deepEqual(parseCoverage(fixture('coverage-summary.json'), 'coverage/coverage-summary.json'), {
      format: 'istanbul',
      lines: { covered: 96, total: 120, pct: 80 },
      branches: { covered: 27, total: 40, pct: 67.5 },
      files: 3,
    });
  });

  test('the result fits a test-result record (without the file count)', () => {
    const tests = parseJUnit(
      readFileSync(new URL('../fixtures/junit/pytest.xml', import.meta.url), 'utf8'),
      'pytest.xml',
    );
    const { files: _files, ...coverage } = parseCoverage(fixture('lcov.info'), 'lcov.info');
    const record = validateRecord({
      kind: 'test-result',
      v: 1,
      time: '2025-03-04T10:15:03Z',
      actor: { type: 'ci', id: 'github-actions' },
      provenance: 'observed',
      commit: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      ...tests,
      coverage,
    });
    assert.equal(record.kind, 'test-result');
  });
});

describe('lcov', () => {
  test('a file recorded under two test names is merged by line, not counted twice', () => {
    const text = [
      'TN:unit',
      'SF:src/a.js',
      'DA:1,1',
      'DA:2,0',
      'LF:2',
      'LH:1',
      'end_of_record',
      'TN:integration',
      'SF:src/a.js',
      'DA:1,0',
      'DA:2,5',
      'LF:2',
      'LH:1',
      'end_of_record',
      '',
    ].join('\n');
    assert.deepEqual(parseCoverage(text, 'lcov.info'), {
      format: 'lcov',
      lines: { covered: 2, total: 2, pct: 100 },
      files: 1,
    });
  });

  test('LF/LH and BRF/BRH are used when a record has no DA or BRDA lines; CRLF is fine', () => {
    const text = 'SF:src/a.c\r\nLF:10\r\nLH:7\r\nBRF:4\r\nBRH:1\r\nend_of_record\r\n';
    assert.deepEqual(parseCoverage(text, 'app.info'), {
      format: 'lcov',
      lines: { covered: 7, total: 10, pct: 70 },
      branches: { covered: 1, total: 4, pct: 25 },
      files: 1,
    });
  });

  test('DA checksums and lcov 2.x records are accepted', () => {
    const text = 'VER:2.0\nSF:a.c\nFNL:0,3,5\nFNA:0,1,main\nDA:3,1,Xk0u2Yp\nDA:4,0,a9b1c2\nend_of_record\n';
    assert.deepEqual(parseCoverage(text, 'lcov.info').lines, { covered: 1, total: 2, pct: 50 });
  });

  test('a truncated tracefile names the open record', () => {
    assertInvalid(
      () => parseCoverage('TN:\nSF:src/a.js\nDA:1,1\nDA:2,0\n', 'lcov.info'),
      /^lcov\.info: lcov is truncated: the record for src\/a\.js \(line 2\) has no end_of_record$/,
    );
  });

  test('malformed lines name their line number', () => {
    assertInvalid(
      () => parseCoverage('SF:a.js\nDA:one,1\nend_of_record\n', 'lcov.info'),
      /^lcov\.info: lcov line 2 is malformed: "DA:one,1"$/,
    );
    assertInvalid(
      () => parseCoverage('TN:\nDA:1,1\nSF:a.js\nend_of_record\n', 'lcov.info'),
      /^lcov\.info: lcov line 2: DA outside an SF record$/,
    );
    assertInvalid(
      () => parseCoverage('SF:a.js\nSF:b.js\nend_of_record\n', 'lcov.info'),
      /^lcov\.info: lcov line 2: SF before end_of_record of a\.js \(line 1\)$/,
    );
  });

  test('lines hit more often than found is refused', () => {
    assertInvalid(
      () => parseCoverage('SF:a.c\nLF:3\nLH:5\nend_of_record\n', 'lcov.info'),
      /^lcov\.info: coverage claims 5 covered lines out of 3$/,
    );
  });
});

describe('Cobertura', () => {
  test('without root totals, <line> elements are counted once per file and line', () => {
    const stripped = fixture('cobertura.xml').replace(
      /<coverage [^>]*>/,
      '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n<coverage version="2.1.1">',
    );
    // The <?xml?> declaration must stay first; the DOCTYPE goes after it.
    assert.deepEqual(parseCoverage(stripped, 'coverage.xml'), {
      format: 'cobertura',
      lines: { covered: 9, total: 12, pct: 75 },
      branches: { covered: 3, total: 4, pct: 75 },
      files: 3,
    });
  });

  test('branches-valid="0" (coverage.py without --branch) leaves branches out', () => {
    const xml = `<?xml version="1.0" ?>
<coverage version="7.6.1" lines-valid="31" lines-covered="27" line-rate="0.871" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
  <packages/>
</coverage>`;
    assert.deepEqual(parseCoverage(xml, 'coverage.xml'), {
      format: 'cobertura',
      lines: { covered: 27, total: 31, pct: 87.1 },
      files: 0,
    });
  });

  test('a truncated file is reported as such', () => {
    const cut = fixture('cobertura.xml').slice(0, 900);
    assertInvalid(
      () => parseCoverage(cut, 'coverage.xml'),
      /^coverage\.xml: XML is truncated or malformed at line \d+/,
    );
  });

  test('other XML coverage formats are named, not misread', () => {
    assertInvalid(
      () =>
        parseCoverage(
          '<?xml version="1.0"?><report name="jacoco"><counter type="LINE" missed="1" covered="2"/></report>',
          'jacoco.xml',
        ),
      /^jacoco\.xml: not Cobertura XML \(root element <report>, expected <coverage>\)$/,
    );
    assertInvalid(
      () =>
        parseCoverage(
          '<coverage generated="1" clover="4.4.1"><project><metrics statements="3"/></project></coverage>',
          'clover.xml',
        ),
      /^clover\.xml: not Cobertura XML \(<coverage> has no line-rate/,
    );
  });

  test('non-numeric totals are refused', () => {
    assertInvalid(
      () => parseCoverage('<coverage lines-valid="many" lines-covered="3" line-rate="0.5"/>', 'coverage.xml'),
      /^coverage\.xml: Cobertura attribute lines-valid="many" is not a count$/,
    );
  });
});

describe('Istanbul json-summary', () => {
  test('nothing measured: "Unknown" pct becomes 0, branches are left out', () => {
    const json = JSON.stringify({
      total: {
        lines: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
        statements: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
        functions: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
        branches: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
      },
    });
    assert.deepEqual(parseCoverage(json, 'coverage-summary.json'), {
      format: 'istanbul',
      lines: { covered: 0, total: 0, pct: 0 },
      files: 0,
    });
  });

  test('coverage-final.json is recognised and refused with the fix', () => {
    const json = JSON.stringify({
      '/src/a.js': { path: '/src/a.js', statementMap: {}, s: {}, fnMap: {}, f: {}, branchMap: {}, b: {} },
    });
    assertInvalid(
      () => parseCoverage(json, 'coverage-final.json'),
      /use the json-summary reporter \(coverage-summary\.json\)$/,
    );
  });

  test('truncated and wrong JSON', () => {
    const cut = fixture('coverage-summary.json').slice(0, 120);
    assertInvalid(
      () => parseCoverage(cut, 'coverage-summary.json'),
      /^coverage-summary\.json: JSON is truncated or malformed: /,
    );
    assertInvalid(
      () => parseCoverage('{"total": {"lines": {"total": 10, "covered": "9"}}}', 's.json'),
      /^s\.json: coverage summary: total\.lines\.covered is not a count$/,
    );
    assertInvalid(
      () => parseCoverage('{"numTotalTests": 4}', 'jest.json'),
      /^jest\.json: unknown JSON coverage format: no "total"/,
    );
  });
});

describe('detection', () => {
  test('empty and unknown files', () => {
    assertInvalid(() => parseCoverage('', 'cov.txt'), /^cov\.txt: file is empty, expected an lcov tracefile/);
    assertInvalid(
      () => parseCoverage('Name    Stmts   Miss  Cover\n-----\nTOTAL     120     24    80%\n', 'cov.txt'),
      /^cov\.txt: unknown coverage format \(starts with "Name {4}Stmts {3}Miss {2}Co"; expected an lcov tracefile, Cobertura XML or Istanbul coverage-summary\.json\)$/,
    );
  });

  test('an HTML report is not coverage XML', () => {
    assertInvalid(
      () =>
        parseCoverage(
          '<!DOCTYPE html>\n<html><head><title>Coverage report</title></head></html>',
          'index.html',
        ),
      /^index\.html: not Cobertura XML \(root element <html>, expected <coverage>\)$/,
    );
  });

  test('percentages are rounded to two decimals from the counts', () => {
    const lcov = 'SF:a.c\nLF:3\nLH:2\nend_of_record\nSF:b.c\nLF:3\nLH:0\nend_of_record\n';
    assert.deepEqual(parseCoverage(lcov, 'lcov.info').lines, { covered: 2, total: 6, pct: 33.33 });
  });
});
