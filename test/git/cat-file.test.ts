/**
 * Streaming objects out of one `git cat-file --batch`, against a real repository: pieces
 * arrive in request order and add up to each object exactly (empty, small, and objects far
 * larger than a pipe's buffer, so they span many reads), missing names are told apart, and
 * the collected form equals what `git cat-file blob` prints. The same through a pipe, through
 * a spool file (left nowhere afterwards), and with a spool folder that cannot be written.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathSpecs, readObjects, streamObjects } from '../../src/git/cat-file.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

function hashObject(dir: string, content: Buffer, name: string): string {
  writeFileSync(join(dir, name), content);
  return execFileSync('git', ['hash-object', '-w', name], { cwd: dir, env: gitEnv, encoding: 'utf8' }).trim();
}

// Through a pipe; through a file git writes and this process reads as it grows; and with a
// spool folder that cannot be written, which must fall back to the pipe.
const MODES = [
  { name: 'through a pipe', spool: () => undefined, writable: false },
  { name: 'through a spool file', spool: () => tempDir('trail-spool-'), writable: true },
  {
    name: 'with an unwritable spool folder (falls back to the pipe)',
    spool: () => join(tempDir('trail-spool-'), 'missing', 'folder'),
    writable: false,
  },
];

describe('git cat-file --batch, streamed', () => {
  for (const mode of MODES)
    test(`every object arrives whole, in request order, however it is split (${mode.name})`, async () => {
      const repo = tempRepo();
      const spoolDir = mode.spool();
      try {
        // Newlines inside content must not confuse the parser: it goes by the stated size.
        const contents = [
          Buffer.alloc(0),
          Buffer.from('one line\n'),
          Buffer.from('no final newline'),
          randomBytes(3 * 1024 * 1024),
          Buffer.from('\n\n\n'),
        ];
        const oids = contents.map((c, i) => hashObject(repo.dir, c, `f${i}`));
        const specs = [
          oids[0]!,
          oids[1]!,
          'deadbeef'.repeat(5),
          oids[2]!,
          oids[3]!,
          'HEAD:nothing',
          oids[4]!,
        ];
        const events: string[] = [];
        const received = new Map<number, Buffer[]>();
        let pieces = 0;
        await streamObjects(
          repo.dir,
          specs,
          {
            begin: (index, header) => {
              events.push(`begin ${index} ${header.type} ${header.size}`);
              received.set(index, []);
            },
            data: (index, piece) => {
              pieces++;
              // Copied: a piece is a view valid only during the call.
              received.get(index)!.push(Buffer.from(piece));
            },
            end: (index) => events.push(`end ${index}`),
            missing: (index) => events.push(`missing ${index}`),
          },
          { spoolDir },
        );
        if (mode.writable) assert.deepEqual(readdirSync(spoolDir!), [], 'the spool file is gone');
        assert.deepEqual(events, [
          'begin 0 blob 0',
          'end 0',
          'begin 1 blob 9',
          'end 1',
          'missing 2',
          'begin 3 blob 16',
          'end 3',
          `begin 4 blob ${3 * 1024 * 1024}`,
          'end 4',
          'missing 5',
          'begin 6 blob 3',
          'end 6',
        ]);
        assert.ok(pieces > 3, `the 3 MiB object came in several pieces (${pieces})`);
        const expected = [
          contents[0],
          contents[1],
          undefined,
          contents[2],
          contents[3],
          undefined,
          contents[4],
        ];
        expected.forEach((content, i) => {
          if (content) assert.ok(Buffer.concat(received.get(i)!).equals(content), `object ${i}`);
        });

        const collected = await readObjects(repo.dir, specs);
        collected.forEach((object, i) => {
          if (!expected[i]) {
            assert.equal(object, undefined);
            return;
          }
          const printed = execFileSync('git', ['cat-file', 'blob', specs[i]!], {
            cwd: repo.dir,
            env: gitEnv,
            maxBuffer: 16 * 1024 * 1024,
          });
          assert.ok(object!.content.equals(printed), `readObjects ${i} equals git cat-file blob`);
          assert.equal(object!.oid, specs[i]);
        });
      } finally {
        repo.cleanup();
        if (spoolDir) rmSync(spoolDir.replace(/\/missing\/folder$/, ''), { recursive: true, force: true });
      }
    });

  test('a name holding a newline is refused before git runs', async () => {
    const repo = tempRepo();
    try {
      await assert.rejects(readObjects(repo.dir, ['HEAD\nHEAD']), /newline/);
    } finally {
      repo.cleanup();
    }
  });

  test('files at a revision are read by any name: a newline, a final CR, a pattern character', async () => {
    const repo = tempRepo();
    try {
      const names = [
        'plain.ts',
        'new\nline.ts',
        'cr.ts\r',
        'd*/x\ny.ts',
        'd*/xay.ts',
        'f\nolder/a.ts',
        ' sp .ts',
      ];
      for (const [i, name] of names.entries()) repo.write(name, `content ${i}\n`);
      repo.commit('awkward names');
      // No file at HEAD: a name never committed, a folder, and a pattern that would match one.
      const asked = [...names, 'gone\nfile.ts', 'f\nolder', 'd?/x\ny.ts'];
      const specs = await pathSpecs(repo.dir, 'HEAD', asked);
      const objects = await readObjects(repo.dir, specs);
      assert.deepEqual(
        objects.map((o) => o?.content.toString('utf8')),
        [...names.map((_, i) => `content ${i}\n`), undefined, undefined, undefined],
      );
      // Where git can take the name on a line, it is asked by name: no process of its own.
      assert.equal(specs[0], 'HEAD:plain.ts');
    } finally {
      repo.cleanup();
    }
  });

  test('a visitor that throws fails the read with its error, and nothing else is delivered', async () => {
    const repo = tempRepo();
    try {
      const oid = hashObject(repo.dir, Buffer.from('x'), 'x');
      let ends = 0;
      await assert.rejects(
        streamObjects(repo.dir, [oid, oid, oid], {
          begin: () => {},
          data: () => {
            throw new Error('visitor failed');
          },
          end: () => ends++,
          missing: () => {},
        }),
        /visitor failed/,
      );
      assert.equal(ends, 0);
    } finally {
      repo.cleanup();
    }
  });
});
