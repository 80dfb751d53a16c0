/**
 * A real RFC 3161 timestamping authority for tests: OpenSSL's own TSA behind a local HTTP
 * endpoint (scripts/local-tsa.mjs, which the demo uses too), with a certificate of the same
 * CA that may not stamp, to re-sign tokens with. Nothing is mocked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certificateRequest,
  endEntityExtensions,
  issueCertificate,
  openssl,
  startLocalAuthority,
} from '../../scripts/local-tsa.mjs';
import { tempDir } from './temp-repo.js';

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

export async function startAuthority(options: AuthorityOptions = {}): Promise<TestAuthority> {
  const dir = tempDir('trail-tsa-');
  const authority = await startLocalAuthority({
    dir,
    name: options.name ?? 'Trail Test',
    ...(options.accuracy ? { accuracy: options.accuracy } : {}),
  });
  // A certificate of the same CA that may not stamp: a web server's.
  certificateRequest(dir, 'web', `/CN=${options.name ?? 'Trail Test'} Web Server`);
  issueCertificate(dir, 'web.csr', 'web.pem', endEntityExtensions('serverAuth'));
  let next = 0;
  return {
    url: authority.url,
    caFile: authority.caFile,
    tsaFile: authority.tsaFile,
    answered: authority.answered,
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
    close: authority.close,
  };
}
