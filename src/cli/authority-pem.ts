/**
 * A timestamping authority's certificate file as a person gives it (`trail timestamp trust
 * FILE`, `trail serve --timestamp-authority FILE`): PEM, one certificate or several. It must
 * hold one, and each must read as X.509, or the whole file is refused in one line, before
 * anything is kept.
 */
import { TrailError } from '../core/errors.js';
import { certificatesOfPem, noCertificateIn } from '../ledger/timestamp-authorities.js';
import { readInput } from './files.js';

export interface AuthorityPem {
  pem: string;
  /** DER, in the file's order. */
  certificates: Uint8Array[];
  /** Each certificate's subject, for people. */
  names: string[];
}

export async function readAuthorityPem(file: string, cwd: string): Promise<AuthorityPem> {
  const pem = readInput(file, cwd).toString('utf8');
  // ASN.1 and X.509 code loads only where a certificate is read.
  const { describeCertificate } = await import('../core/timestamp-token.js');
  const certificates = certificatesOfPem(pem);
  if (certificates.length === 0) throw noCertificateIn(file);
  const names = certificates.map((der, i) => {
    try {
      return describeCertificate(der).name;
    } catch {
      throw new TrailError('INPUT_INVALID', `${file}: certificate ${i + 1} cannot be read as X.509`);
    }
  });
  return { pem, certificates, names };
}
