/**
 * This clone's memory of the review signatures it has checked and found valid, so each is
 * checked once rather than on every `trail verify` and every report. A ledger holds an
 * approval for most checkpoints, each signed, and an Ed25519 check costs about 0.1 ms of
 * CPU: at 90,000 approvals that was 10 s of CPU on every run. The same holds for the signed
 * tree head of every append (checkHeadSignatures, by the hash of what the head's signature
 * covers and the signature): 29,000 appends were 2.9 s of CPU on every run.
 *
 * An entry is SHA-256(record id, public key): the record id covers every byte of the review,
 * its signature included, and the public key is the one it verified with, so an entry holds
 * for exactly that review under exactly that key. A changed review has another id and is
 * checked again; so is one whose key was replaced. Trust and revocation are still judged on
 * every run (checkReviewSignature); only the arithmetic is remembered. Only valid verdicts
 * are kept, so a bad signature is reported every time.
 *
 * Like the witness, the file lives in this clone's git dir and is trusted as the witness is:
 * a fresh clone (CI) has none and checks every signature.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Latin1 } from '../core/hash.js';
import type { Repo } from './repo.js';

const ENTRY_BYTES = 32;

export function signatureMemoPath(repo: Repo): string {
  return join(repo.stateDir, 'verified-signatures');
}

function entryOf(recordId: string, publicKey: string): string {
  return sha256Latin1(`${recordId}\n${publicKey}`);
}

export class SignatureMemo {
  private readonly added: string[] = [];

  private constructor(
    private readonly path: string,
    private readonly known: Set<string>,
    /** Where a torn last entry starts, to be cut off before the next append aligns on it. */
    private tornAt?: number,
  ) {}

  /** The memo of `repo`; empty when there is none or it cannot be read. */
  static load(repo: Repo): SignatureMemo {
    const path = signatureMemoPath(repo);
    const known = new Set<string>();
    let tornAt: number | undefined;
    try {
      if (existsSync(path)) {
        const bytes = readFileSync(path);
        // A torn append leaves a partial last entry: whole entries only.
        const whole = Math.floor(bytes.length / ENTRY_BYTES) * ENTRY_BYTES;
        for (let at = 0; at < whole; at += ENTRY_BYTES) {
          known.add(bytes.toString('latin1', at, at + ENTRY_BYTES));
        }
        if (whole !== bytes.length) tornAt = whole;
      }
    } catch {
      // Unreadable: every signature is checked, as in a fresh clone.
    }
    return new SignatureMemo(path, known, tornAt);
  }

  /** Whether this review, under this public key, was checked before and held. */
  holds(recordId: string, publicKey: string): boolean {
    return this.known.has(entryOf(recordId, publicKey));
  }

  /** Remembers a review whose signature was just checked and held. */
  remember(recordId: string, publicKey: string): void {
    const entry = entryOf(recordId, publicKey);
    if (this.known.has(entry)) return;
    this.known.add(entry);
    this.added.push(entry);
  }

  /**
   * Appends what was learnt. A memo that cannot be written (a read-only clone) costs only
   * time on the next run, so failing to write it never fails a verify.
   */
  save(): void {
    if (this.added.length === 0) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      if (this.tornAt !== undefined) truncateSync(this.path, this.tornAt);
      this.tornAt = undefined;
      appendFileSync(this.path, Buffer.from(this.added.join(''), 'latin1'));
      this.added.length = 0;
    } catch {
      // See above.
    }
  }
}
