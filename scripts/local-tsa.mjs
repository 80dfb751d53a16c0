// A local RFC 3161 timestamping authority: OpenSSL's own TSA (`openssl ts -reply`) behind an
// HTTP endpoint on 127.0.0.1, with a CA and a TSA certificate made for the run. Requests and
// replies are the DER the protocol defines, signed by OpenSSL: nothing is mocked. The demo
// (`npm start`) stamps with it, and so do the tests (test/helpers/tsa.ts).
//
// Its clock is this machine's, so its tokens show what a token does, not an independent time:
// a team trusts an authority it does not run (docs/security.md).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether `openssl` can be run here. */
export function hasOpenssl() {
  return spawnSync('openssl', ['version']).status === 0;
}

/** `openssl ...args` in `dir`; throws with OpenSSL's message when it fails. */
export function openssl(dir, ...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A new P-256 key, the options `openssl req` takes for it. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A certificate for the request `csr`, signed by the CA in `dir`, with `extensions` (config text). */
export function issueCertificate(dir, csr, out, extensions) {
  const extfile = `${out}.ext.cnf`;
  writeFileSync(join(dir, extfile), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    out,
    '-days',
    '3650',
    '-extfile',
    extfile,
  );
}

/** An end-entity certificate's extensions, for `purpose` (an extendedKeyUsage value). */
export function endEntityExtensions(purpose) {
  return `extendedKeyUsage=${purpose}\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n`;
}

/** A key and a certificate request named `<name>.key` and `<name>.csr` in `dir`. */
export function certificateRequest(dir, name, subject) {
  openssl(dir, 'req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
}

/**
 * Starts the authority, its files in `dir` (an empty folder): `ca.pem` (what to trust) and
 * `tsa.pem` (its own certificate). `name` names the certificates, so two authorities differ;
 * `accuracy` is the TSA's stated accuracy (`secs:1`), none by default.
 */
export async function startLocalAuthority({ dir, name = 'Trail Local', accuracy } = {}) {
  openssl(
    dir,
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    `/CN=${name} Root`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  certificateRequest(dir, 'tsa', `/CN=${name} TSA`);
  issueCertificate(dir, 'tsa.csr', 'tsa.pem', endEntityExtensions('critical,timeStamping'));
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${join(dir, 'serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${join(dir, 'tsa.pem')}`,
      `certs = ${join(dir, 'tsa.pem')}`,
      `signer_key = ${join(dir, 'tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      ...(accuracy ? [`accuracy = ${accuracy}`] : []),
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  let answered = 0;
  let next = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      const n = next++;
      const query = join(dir, `q${n}.tsq`);
      const reply = join(dir, `r${n}.tsr`);
      writeFileSync(query, Buffer.concat(chunks));
      try {
        await run('openssl', [
          'ts',
          '-reply',
          '-config',
          join(dir, 'tsa.cnf'),
          '-queryfile',
          query,
          '-out',
          reply,
        ]);
        answered++;
        response.writeHead(200, { 'content-type': 'application/timestamp-reply' });
        response.end(readFileSync(reply));
      } catch {
        response.writeHead(400).end('bad query');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    dir,
    caFile: join(dir, 'ca.pem'),
    tsaFile: join(dir, 'tsa.pem'),
    answered: () => answered,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
