/**
 * Cutting a text to a bound never leaves part of a secret (core/cut.ts): a secret the cut would
 * go through is left out whole, the cut is marked, and it falls neither inside a surrogate pair
 * nor inside a redaction marker.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CUT_MARGIN, cutHead, cutHeadUtf8, cutTail, headMarker, tailMarker } from '../../src/core/cut.js';
import { compileRules, redactText } from '../../src/core/redact.js';

const TOKEN = 'ghp_1234567890abcdefghijklmnopqrstuvwxyz12';

/** Every 8-character piece of a secret: none may be kept. */
function pieces(secret: string): string[] {
  return Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8));
}

function assertNoPiece(text: string, secret: string): void {
  for (const piece of pieces(secret)) assert.ok(!text.includes(piece), `kept ${piece}`);
}

describe('cutHead', () => {
  test('a text within the bound is returned as it is', () => {
    assert.equal(cutHead('short', 5), 'short');
  });

  test('a secret at any position across the cut is left out whole, and the cut is marked', () => {
    const max = 1000;
    for (let at = max - 120; at <= max + 5; at++) {
      const text = `${'x'.repeat(at)} ${TOKEN} ${'y'.repeat(5000)}`;
      const cut = cutHead(text, max);
      assert.ok(cut.length <= max, `length ${cut.length} at ${at}`);
      assert.match(cut, /…\[truncated \d+ characters\]$/);
      const kept = cut.slice(0, cut.lastIndexOf('…['));
      assert.equal(Number(/(\d+) characters\]$/.exec(cut)![1]), text.length - kept.length);
      // Either the whole token is kept (then redaction replaces it) or none of it.
      if (!kept.includes(TOKEN)) assertNoPiece(cut, TOKEN);
      assertNoPiece(redactText(cut).text, TOKEN);
    }
  });

  // The token on a line of its own: glued to letters (`xxghp_…xx`) it is not taken for one, cut
  // or not. It starts before the cut, which the marker moves 30 characters back from 64 Ki.
  test('the repro: 65,470 characters, a token, then 300 KiB', () => {
    const text = `${'x'.repeat(65_469)}\n${TOKEN}\n${'x'.repeat(300 * 1024)}`;
    const cut = cutHead(text, 64 * 1024);
    assert.ok(cut.endsWith(`\n${headMarker(text.length - 65_470)}`));
    assert.ok(cut.length <= 64 * 1024);
    assertNoPiece(cut, TOKEN);
    assert.match(cut, /…\[truncated \d+ characters\]$/);
  });

  test("a repository's own rule places the cut too", () => {
    const rules = compileRules([{ id: 'acme-key', pattern: 'ACME-[0-9A-F]{32}' }]);
    const key = `ACME-${'0123456789ABCDEF'.repeat(2)}`;
    const text = `${'a '.repeat(475)}${key} ${'b'.repeat(2000)}`;
    assert.ok(cutHead(text, 1000).includes('ACME-0123')); // the built-in rules do not know it
    const cut = cutHead(text, 1000, rules);
    assert.ok(!cut.includes('ACME-0123'));
  });

  test('a PEM private key across the cut is left out from its BEGIN line', () => {
    const body = Array.from(
      { length: 40 },
      (_, i) => `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${String(i).padStart(32, 'A')}`,
    ).join('\n');
    const pem = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`;
    const text = `config:\n${pem}\nmore ${'z'.repeat(4000)}`;
    const cut = cutHead(text, 1200);
    assert.ok(!cut.includes('MIIEvQIBADAN'), cut.slice(-200));
    assert.ok(!cut.includes('BEGIN PRIVATE KEY'));
    assert.ok(cut.startsWith('config:\n'));
  });

  test('never between the halves of a surrogate pair, nor inside a redaction marker', () => {
    const emoji = '😀'.repeat(600);
    for (let max = 500; max < 540; max++) {
      const cut = cutHead(emoji, max);
      const kept = cut.slice(0, cut.lastIndexOf('…['));
      assert.equal(kept.length % 2, 0, `a pair split at ${max}`);
    }
    const redacted = `${'[REDACTED:github-token] '.repeat(100)}`;
    for (let max = 300; max < 340; max++) {
      const kept = cutHead(redacted, max).replace(/…\[truncated \d+ characters\]$/, '');
      assert.match(kept, /(?:\[REDACTED:github-token\] ?)*$/);
      assert.ok(!/\[RED[^\]]*$/.test(kept), `a marker cut at ${max}: ${kept.slice(-20)}`);
    }
  });

  test('a multi-MiB text costs the window around the cut, not the text', () => {
    const text = `${'word '.repeat(1_000_000)}`;
    const started = performance.now();
    for (let i = 0; i < 10; i++) cutHead(text, 64 * 1024);
    const ms = (performance.now() - started) / 10;
    assert.ok(ms < 50, `${ms.toFixed(1)} ms a cut`);
  });
});

describe('cutTail', () => {
  test('a secret across the start of a kept tail is left out whole, and the cut is marked', () => {
    const max = 2000;
    for (let before = max - 80; before <= max + 60; before++) {
      const text = `${'y'.repeat(10_000)} ${TOKEN}\n${'z'.repeat(before)}`;
      const cut = cutTail(text, max);
      assert.ok(cut.length <= max);
      assert.match(cut, /^\[truncated \d+ characters\]…/);
      assertNoPiece(redactText(cut).text, TOKEN);
    }
  });

  test('never starts on the second half of a surrogate pair or inside a marker', () => {
    const emoji = '😀'.repeat(600);
    for (let max = 500; max < 540; max++) {
      const kept = cutTail(emoji, max).replace(/^\[truncated \d+ characters\]…/, '');
      assert.equal(kept.length % 2, 0);
    }
    const redacted = ` [REDACTED:github-token]`.repeat(100);
    for (let max = 300; max < 340; max++) {
      const kept = cutTail(redacted, max).replace(/^\[truncated \d+ characters\]…/, '');
      assert.ok(!/^[^[]*\]/.test(kept), `a marker cut at ${max}: ${kept.slice(0, 20)}`);
    }
    assert.ok(cutTail('a'.repeat(3000), 2000).startsWith(tailMarker(1000 + tailMarker(3000).length)));
  });
});

describe('cutHeadUtf8', () => {
  test('within the byte bound, marked, and a secret across the cut left out', () => {
    for (let at = 8000; at < 8200; at += 3) {
      const text = `${'é'.repeat(at / 2)}${TOKEN} ${'x'.repeat(20_000)}`;
      const cut = cutHeadUtf8(text, 8 * 1024);
      assert.ok(Buffer.byteLength(cut) <= 8 * 1024);
      assert.match(cut, /…\[truncated \d+ characters\]$/);
      if (!cut.includes(TOKEN)) assertNoPiece(cut, TOKEN);
    }
  });

  test('the margin is larger than any token a rule matches whole', () => {
    assert.ok(CUT_MARGIN >= 16 * 1024);
  });
});
