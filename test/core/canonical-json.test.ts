/**
 * JSON Canonicalization Scheme (RFC 8785) against published vectors:
 * - the §3.2.3 sorting example and the Appendix B number table of RFC 8785 itself;
 * - the test data of the RFC's reference implementation, cyberphone/json-canonicalization,
 *   files testdata/input/{values,weird,structures,unicode}.json and testdata/output/ of the
 *   same names (values.json is the §3.2.2 example of the RFC).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalize, parseJson } from '../../src/core/canonical-json.js';
import { TrailError } from '../../src/core/errors.js';

function assertCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** The double with the given IEEE 754 bit pattern, so the input does not depend on a parser. */
function fromBits(bits: string): number {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(`0x${bits}`));
  return buffer.readDoubleBE(0);
}

describe('RFC 8785 published vectors', () => {
  test('values.json: numbers, string escaping, literals (the §3.2.2 example)', () => {
    const input = `{
  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
  "escaping": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
  "literals": [null, true, false]
}`;
    const expected =
      '{"escaping":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],' +
      '"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}';
    assert.equal(canonicalize(JSON.parse(input)), expected);
  });

  test('§3.2.3: members are sorted by UTF-16 code units, not code points', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // U+1F600 is above U+FB33 as a code point but its first code unit, 0xD83D, is below 0xFB33.
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    assert.equal(canonicalize(input), expected);
  });

  test('weird.json: sorting with "</script>", DEL left literal', () => {
    const input = `{
  "\\u20ac": "Euro Sign",
  "1": "One",
  "\\u0080": "Control\\u007f",
  "\\ud83d\\ude02": "Smiley",
  "\\u00f6": "Latin Small Letter O With Diaeresis",
  "\\ufb33": "Hebrew Letter Dalet With Dagesh",
  "</script>": "Browser Challenge"
}`;
    const expected =
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    assert.equal(canonicalize(JSON.parse(input)), expected);
  });

  test('structures.json: nested objects sorted at every level, numeric-looking keys as strings', () => {
    const input = `{
  "1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0},
  "10": { },
  "": "empty",
  "a": { },
  "111": [ { } ],
  "A": { }
}`;
    const expected = '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}';
    assert.equal(canonicalize(JSON.parse(input)), expected);
  });

  test('unicode.json: strings are not Unicode-normalised', () => {
    const input = '{\n  "Unnormalized Unicode":"\\u1e0d\\u0307"\n}\n';
    assert.equal(canonicalize(JSON.parse(input)), '{"Unnormalized Unicode":"\u1e0d\u0307"}');
  });

  test('Appendix B: number serialisation from IEEE 754 bit patterns', () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of table) {
      assert.equal(canonicalize(fromBits(bits)), text, bits);
      assert.equal(canonicalize([fromBits(bits)]), `[${text}]`, bits);
    }
  });

  test('Appendix B: NaN and the infinities are errors', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      assertCode(() => canonicalize(fromBits(bits)), 'NOT_CANONICAL');
    }
  });
});

describe('numbers (RFC 8785 §3.2.2.3)', () => {
  test('ECMAScript Number-to-String forms', () => {
    const cases: [number, string][] = [
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [1e-7, '1e-7'],
      [1e-6, '0.000001'],
      [-0, '0'],
      [Number('333333333.33333329'), '333333333.3333333'],
      [1e30, '1e+30'],
      [4.5, '4.5'],
      [2e-3, '0.002'],
      [1e-27, '1e-27'],
      [-1.5, '-1.5'],
      [100, '100'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [Number.MIN_VALUE, '5e-324'],
    ];
    for (const [value, text] of cases) assert.equal(canonicalize(value), text, text);
  });

  test('non-finite numbers are rejected with a path to the culprit', () => {
    assertCode(() => canonicalize(Number.NaN), 'NOT_CANONICAL');
    assertCode(() => canonicalize(Number.POSITIVE_INFINITY), 'NOT_CANONICAL');
    assertCode(() => canonicalize({ a: [1, Number.NEGATIVE_INFINITY] }), 'NOT_CANONICAL', /\$\.a\[1\]/);
  });
});

describe('strings (RFC 8785 §3.2.2.2)', () => {
  test('control characters: short escapes where JSON has them, else lowercase \\u00xx', () => {
    const short: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
    for (let c = 0; c < 0x20; c++) {
      const escaped = short[c] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
      assert.equal(canonicalize(String.fromCharCode(c)), `"${escaped}"`, `U+${c.toString(16)}`);
    }
  });

  test('only the quote and the backslash are escaped among printable characters', () => {
    assert.equal(canonicalize('"\\'), '"\\"\\\\"');
    assert.equal(canonicalize('/'), '"/"');
    assert.equal(canonicalize('\u007f'), '"\u007f"');
    assert.equal(canonicalize('\u2028\u2029'), '"\u2028\u2029"');
    assert.equal(canonicalize('</script>'), '"</script>"');
    assert.equal(canonicalize('\u20ac\ud83d\ude00'), '"\u20ac\ud83d\ude00"');
  });

  test('the output is UTF-8 of the literal characters', () => {
    const bytes = Buffer.from(canonicalize('\u20ac'), 'utf8');
    assert.equal(bytes.toString('hex'), '22e282ac22');
  });

  test('lone surrogates are rejected, in values and in keys', () => {
    for (const bad of ['\ud800', '\udc00', 'a\ud83d', '\ude00b', '\udc00\ud800']) {
      assertCode(() => canonicalize(bad), 'NOT_CANONICAL');
      assertCode(() => canonicalize({ [bad]: 1 }), 'NOT_CANONICAL');
      assertCode(() => canonicalize([bad]), 'NOT_CANONICAL');
    }
  });
});

describe('structure (RFC 8785 §3.2.1, §3.2.3)', () => {
  test('no whitespace, members sorted recursively, array order kept', () => {
    assert.equal(
      canonicalize({ b: [3, 1, 2], a: { z: null, y: true, x: false } }),
      '{"a":{"x":false,"y":true,"z":null},"b":[3,1,2]}',
    );
    assert.equal(canonicalize({}), '{}');
    assert.equal(canonicalize([]), '[]');
    assert.equal(canonicalize(null), 'null');
  });

  test('insertion order does not matter', () => {
    const one = { a: 1, b: { c: 2, d: 3 }, '10': 0, '9': 0 };
    const two = { b: { d: 3, c: 2 }, '9': 0, a: 1, '10': 0 };
    assert.equal(canonicalize(one), canonicalize(two));
    assert.equal(canonicalize(one), '{"10":0,"9":0,"a":1,"b":{"c":2,"d":3}}');
  });

  test('undefined members are dropped and undefined or missing array items become null, as JSON does', () => {
    assert.equal(canonicalize({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(canonicalize([undefined, 1]), '[null,1]');
    // biome-ignore lint/suspicious/noSparseArray: a hole must serialise as null, not vanish
    const sparse = [, 1];
    assert.equal(canonicalize(sparse), '[null,1]');
    assert.equal(canonicalize(new Array(2)), '[null,null]');
  });

  test('objects without a prototype are plain JSON too', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 2;
    assert.equal(canonicalize(bare), '{"a":2,"b":1}');
  });

  test('a "__proto__" member parsed from JSON is kept as data', () => {
    assert.equal(canonicalize(JSON.parse('{"__proto__":{"x":1},"a":0}')), '{"__proto__":{"x":1},"a":0}');
  });

  test('values that are not plain JSON are rejected', () => {
    class Point {
      x = 1;
    }
    const rejected: [string, unknown][] = [
      ['Date', new Date(0)],
      ['Map', new Map()],
      ['Set', new Set()],
      ['class instance', new Point()],
      ['RegExp', /x/],
      ['Buffer', Buffer.from('x')],
      ['Uint8Array', new Uint8Array(1)],
      ['boxed string', new String('x')],
      ['bigint', 1n],
      ['function', () => 1],
      ['symbol', Symbol('x')],
      ['undefined', undefined],
      ['nested Date', { when: [new Date(0)] }],
      ['nested function', { a: { toJSON: () => 'x' } }],
    ];
    for (const [name, value] of rejected) {
      assert.throws(
        () => canonicalize(value),
        (e: unknown) => e instanceof TrailError && e.code === 'NOT_CANONICAL',
        name,
      );
    }
    assertCode(() => canonicalize({ when: [new Date(0)] }), 'NOT_CANONICAL', /\$\.when\[0\]/);
  });
});

describe('parseJson', () => {
  test('parses JSON text', () => {
    assert.deepEqual(parseJson('{"a":[1,"x",null]}', 'test.json'), { a: [1, 'x', null] });
  });

  test('names the source of a syntax error with INVALID_JSON', () => {
    assertCode(() => parseJson('{"a":', 'state.json'), 'INVALID_JSON', /state\.json/);
  });
});
