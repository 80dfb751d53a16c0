/**
 * Output conventions (DESIGN.md, CLI contract): machine output (`--json`, or a format the
 * user asked for on stdout) goes to stdout; everything meant for people goes to stderr.
 */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Characters a terminal acts on rather than shows: C0 controls but tab and newline (a carriage
 * return only where a newline follows it, as in a CRLF line), DEL, and the C1 controls (U+0080
 * to U+009F, which some terminals read as ESC sequences).
 */
const TERMINAL_CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)/g;

/**
 * Text for a person's terminal with every control character shown rather than obeyed: C0 and
 * DEL as their Unicode control pictures (ESC as ␛), C1 as `\u{9b}`. Human output prints what
 * the ledger and git hold (prompts, agent names, commit subjects, file lines), which anyone who
 * can push a log or a commit writes: an escape sequence there could rewrite the screen, hide a
 * `trail verify` failure above it, retitle the window or set the clipboard (OSC 52).
 */
export function inertForTerminal(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : `\\u{${code.toString(16)}}`;
  });
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  // Machine output (stdout) is JSON, or bytes a person asked for in a format (a report, a
  // note) and is kept exactly; what is meant for reading on a terminal is made inert.
  stderr: (text) => process.stderr.write(inertForTerminal(text)),
};

export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function say(io: Io, text: string): void {
  io.stderr(text.endsWith('\n') ? text : `${text}\n`);
}

/** Thrown by a command to end with a given exit status after it has printed its result. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
