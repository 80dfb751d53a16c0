/**
 * Output conventions (DESIGN.md, CLI contract): machine output (`--json`, or a format the
 * user asked for on stdout) goes to stdout; everything meant for people goes to stderr.
 */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
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
