/**
 * Writes one commit with many files through a single `git fast-import` process, straight
 * onto the target ref. Without `--force`, fast-import refuses to move a ref to a commit
 * that does not descend from the ref's current value; since the new commit's parent is the
 * value this writer read, that refusal is a compare-and-swap: if anyone moved the ref in
 * between, this write fails (RefMovedError) instead of forking or overwriting the log.
 */
import { TrailError } from '../core/errors.js';
import { runGit } from './run.js';

export interface CommitFile {
  path: string;
  content: Buffer | string;
}

export interface CommitRequest {
  ref: string;
  /** The ref's current value, or undefined when the ref must not exist yet. */
  expectedOld: string | undefined;
  message: string;
  files: readonly CommitFile[];
  author?: { name: string; email: string };
  /** ISO time for the commit; defaults to now. */
  time?: string;
}

export class RefMovedError extends TrailError {
  constructor(ref: string) {
    super('CONFLICT', `${ref} moved while writing`);
  }
}

export async function commitFiles(cwd: string, request: CommitRequest): Promise<string> {
  const author = request.author ?? { name: 'trail', email: 'trail@localhost' };
  const seconds = Math.floor((request.time ? Date.parse(request.time) : Date.now()) / 1000);
  const chunks: Buffer[] = [];
  const push = (text: string) => chunks.push(Buffer.from(text, 'utf8'));
  const message = Buffer.from(request.message, 'utf8');
  push(`commit ${request.ref}\nmark :1\n`);
  push(`author ${author.name} <${author.email}> ${seconds} +0000\n`);
  push(`committer ${author.name} <${author.email}> ${seconds} +0000\n`);
  push(`data ${message.length}\n`);
  chunks.push(message);
  push('\n');
  if (request.expectedOld) push(`from ${request.expectedOld}\n`);
  for (const file of request.files) {
    if (/[\n"]/.test(file.path)) throw new Error(`unsupported path ${file.path}`);
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    push(`M 100644 inline ${file.path}\ndata ${content.length}\n`);
    chunks.push(content);
    push('\n');
  }
  push('get-mark :1\ndone\n');
  const result = await runGit(cwd, ['fast-import', '--quiet', '--done'], {
    input: Buffer.concat(chunks),
    allow: [1, 128],
  });
  if (result.code !== 0) {
    if (/Not updating|does not contain|unable to lock|cannot lock ref/i.test(result.stderr)) {
      throw new RefMovedError(request.ref);
    }
    throw new TrailError(
      'GIT_FAILED',
      `git fast-import failed: ${result.stderr.trim().split('\n').pop() ?? ''}`,
    );
  }
  const oid = result.stdout.toString('utf8').trim().split('\n').pop() ?? '';
  if (!/^[0-9a-f]{40,64}$/.test(oid))
    throw new TrailError('GIT_FAILED', 'fast-import did not report the commit');
  return oid;
}
