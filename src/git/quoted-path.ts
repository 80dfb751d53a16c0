/**
 * Git's C-style path quoting, undone. Where git prints a path on a line of text and cannot
 * use `-z` (`git blame --porcelain` has no `-z`), it wraps a path holding `"`, `\`, a control
 * character or (unless `core.quotePath=false`) a byte above 0x7f in double quotes and escapes
 * those bytes (git's quote.c, `quote_c_style`): `\"`, `\\`, `\a \b \t \n \v \f \r`, and
 * `\ooo`, three octal digits per byte of the path's UTF-8. The bytes are gathered first and
 * decoded once, since one character is several escapes.
 */

const NAMED: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  t: 0x09,
  n: 0x0a,
  v: 0x0b,
  f: 0x0c,
  r: 0x0d,
  '"': 0x22,
  '\\': 0x5c,
};

/**
 * The path git meant: a quoted path unquoted, any other text as it is (git quotes a path
 * only when it needs to, and a quoted one always starts and ends with `"`).
 */
export function unquoteGitPath(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  // Bytes, not characters: with core.quotePath=false the UTF-8 of a name arrives as is,
  // beside escapes of other bytes.
  const inner = Buffer.from(text.slice(1, -1), 'utf8');
  const out: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const byte = inner[i]!;
    if (byte !== 0x5c) {
      out.push(byte);
      continue;
    }
    const next = inner[i + 1];
    if (next === undefined) return text; // a lone trailing backslash: not git's quoting
    const octal = /^[0-3][0-7]{2}$/.exec(inner.subarray(i + 1, i + 4).toString('latin1'));
    if (octal) {
      out.push(Number.parseInt(octal[0], 8));
      i += 3;
      continue;
    }
    const named = NAMED[String.fromCharCode(next)];
    if (named === undefined) return text; // an escape git never writes: not git's quoting
    out.push(named);
    i += 1;
  }
  return Buffer.from(out).toString('utf8');
}
