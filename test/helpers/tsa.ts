/**
 * A real RFC 3161 timestamping authority for tests: OpenSSL's own TSA (`openssl ts -reply`)
 * behind a local HTTP endpoint, with a CA and a TSA certificate made for the run. Nothing is
 * mocked: requests and replies are the DER the protocol defines, signed by OpenSSL.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './temp-repo.js';

const run = promisify(execFile);

export interface TestAuthority {
  url: string;
  /** The CA certificate the TSA's chains to (PEM file). */
  caFile: string;
  /** The TSA's own certificate (PEM file). */
  tsaFile: string;
  /** Requests answered so far. */
  answered: () => number;
  /**
   * The same TSTInfo signed again as CMS by a certificate of the same CA made for a web server
   * (no id-kp-timeStamping): a real signature by a certificate that may not stamp.
   */
  resignAsWebServer: (token: Buffer) => Buffer;
  close: () => Promise<void>;
}

export interface AuthorityOptions {
  /** The certificates' common names, so two authorities differ. */
  name?: string;
  /** `accuracy` of the TSA's config (e.g. `secs:1`); none by default. */
  accuracy?: string;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

export async function startAuthority(options: AuthorityOptions = {}): Promise<TestAuthority> {
  const dir = tempDir('trail-tsa-');
  const name = options.name ?? 'Trail Test';
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
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
  openssl(dir, 'req', ...ec, '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', `/CN=${name} TSA`);
  /** A certificate for `csr`, signed by the run's CA, with the extensions in `extensions`. */
  const issue = (csr: string, out: string, extensions: string) =>
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
      extensions,
    );
  const usage = (purpose: string) =>
    `extendedKeyUsage=${purpose}\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n`;
  writeFileSync(join(dir, 'ext.cnf'), usage('critical,timeStamping'));
  writeFileSync(join(dir, 'web.cnf'), usage('serverAuth'));
  openssl(dir, 'req', ...ec, '-keyout', 'web.key', '-out', 'web.csr', '-subj', `/CN=${name} Web Server`);
  issue('web.csr', 'web.pem', 'web.cnf');
  issue('tsa.csr', 'tsa.pem', 'ext.cnf');
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
      ...(options.accuracy ? [`accuracy = ${options.accuracy}`] : []),
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
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caFile: join(dir, 'ca.pem'),
    tsaFile: join(dir, 'tsa.pem'),
    answered: () => answered,
    resignAsWebServer: (token) => {
      const n = next++;
      writeFileSync(join(dir, `t${n}.der`), token);
      // -noverify skips the chain only: the TSA's signature over the TSTInfo is still checked.
      openssl(
        dir,
        'cms',
        '-verify',
        '-noverify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        `t${n}.der`,
        '-out',
        `i${n}.der`,
      );
      openssl(
        dir,
        'cms',
        '-sign',
        '-binary',
        '-nodetach',
        '-md',
        'sha256',
        '-econtent_type',
        '1.2.840.113549.1.9.16.1.4',
        '-signer',
        'web.pem',
        '-inkey',
        'web.key',
        '-in',
        `i${n}.der`,
        '-outform',
        'DER',
        '-out',
        `f${n}.der`,
      );
      return readFileSync(join(dir, `f${n}.der`));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
