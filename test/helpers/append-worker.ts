/** Appends N records one at a time to the repository in argv[2]; used by concurrency tests. */
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';

const [dir, countText, label] = process.argv.slice(2);
const repo = await findRepo(dir!);
const key = loadWriterKey(repo);
for (let i = 0; i < Number(countText); i++) {
  await appendRecords(repo, key, [
    {
      kind: 'capture-gap',
      v: 1,
      time: new Date().toISOString(),
      actor: { type: 'service', id: `worker-${label}` },
      provenance: 'observed',
      what: `worker ${label} append ${i}`,
      why: 'concurrency test',
    },
  ]);
}
