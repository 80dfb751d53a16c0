/**
 * The timestamping authorities this repository trusts: PEM certificates in
 * `.trail/timestamping/`, committed like `.trail/keys/` so every clone judges tokens alike.
 * A file holds the certificate a TSA's chain ends at (its CA's) or the TSA's own.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrailError } from '../core/errors.js';
import { listTree, readObjects } from '../git/cat-file.js';
import type { Repo } from './repo.js';

export interface TrustedAuthority {
  /** The file's name without `.pem`. */
  name: string;
  /** DER certificates, in the file's order. */
  certificates: Uint8Array[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
/** A name that is one plain file name, whatever the person typed. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function authoritiesDir(repo: Repo): string {
  return join(repo.configDir, 'timestamping');
}

/** The DER certificates of a PEM text (several may be concatenated). */
export function certificatesOfPem(pem: string): Uint8Array[] {
  return [...pem.matchAll(PEM_BLOCK)].map((block) => Buffer.from(block[1]!.replace(/\s/g, ''), 'base64'));
}

export function listAuthorities(repo: Repo): TrustedAuthority[] {
  const dir = authoritiesDir(repo);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.pem'))
    .sort()
    .map((file) => ({
      name: file.slice(0, -'.pem'.length),
      certificates: certificatesOfPem(readFileSync(join(dir, file), 'utf8')),
    }));
}

/** The authorities committed at HEAD, for a repository without a working tree. */
async function authoritiesAtHead(repo: Repo): Promise<TrustedAuthority[]> {
  const entries = await listTree(repo.workTree, 'HEAD:.trail/timestamping').catch(() => []);
  const files = entries.filter((e) => e.type === 'blob' && e.path.endsWith('.pem'));
  const blobs = await readObjects(
    repo.workTree,
    files.map((f) => f.oid),
  );
  return files.map((file, i) => ({
    name: file.path.slice(0, -'.pem'.length),
    certificates: certificatesOfPem(blobs[i]?.content.toString('utf8') ?? ''),
  }));
}

/** Every trusted certificate, as the verifier takes them: the working tree's, or HEAD's if bare. */
export async function trustedAuthorityCertificates(repo: Repo): Promise<Uint8Array[]> {
  const authorities = repo.bare ? await authoritiesAtHead(repo) : listAuthorities(repo);
  return authorities.flatMap((a) => a.certificates);
}

/** The refusal of a file that holds no certificate: one line, whoever reads it. */
export function noCertificateIn(file: string): TrailError {
  return new TrailError('INPUT_INVALID', `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
}

/**
 * Keeps `pem` as trusted authority `name`. Refused, with nothing written, when it holds no
 * certificate or the name is not a plain file name; the same name again replaces it.
 */
export function trustAuthority(repo: Repo, name: string, pem: string, file: string): TrustedAuthority {
  if (!SAFE_NAME.test(name)) {
    throw new TrailError(
      'USAGE',
      `authority name "${name}" is not a plain name: use letters, digits, ".", "_" and "-" (up to 64)`,
    );
  }
  const certificates = certificatesOfPem(pem);
  if (certificates.length === 0) throw noCertificateIn(file);
  const text = certificates
    .map((der) => {
      const base64 = Buffer.from(der).toString('base64');
      return `-----BEGIN CERTIFICATE-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
  mkdirSync(authoritiesDir(repo), { recursive: true });
  writeFileSync(join(authoritiesDir(repo), `${name}.pem`), text);
  return { name, certificates };
}
