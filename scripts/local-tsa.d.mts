/** Types of scripts/local-tsa.mjs, for the tests that import it. */
export interface LocalAuthority {
  url: string;
  dir: string;
  /** The CA certificate the TSA chains to (PEM file): what to trust. */
  caFile: string;
  /** The TSA's own certificate (PEM file). */
  tsaFile: string;
  /** Requests answered so far. */
  answered(): number;
  close(): Promise<void>;
}

export function hasOpenssl(): boolean;
export function openssl(dir: string, ...args: string[]): void;
export function issueCertificate(dir: string, csr: string, out: string, extensions: string): void;
export function endEntityExtensions(purpose: string): string;
export function certificateRequest(dir: string, name: string, subject: string): void;
export function startLocalAuthority(options?: {
  dir: string;
  name?: string;
  accuracy?: string;
}): Promise<LocalAuthority>;
