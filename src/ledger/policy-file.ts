/**
 * `.trail/policy.yml`: committed beside the trusted keys, so a change to the policy is itself
 * a reviewed change with history. A missing file means the default policy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError } from '../core/errors.js';
import type { Policy } from '../core/policy.js';
import { defaultPolicy, parsePolicy } from '../core/policy.js';
import type { Repo } from './repo.js';

export const POLICY_FILE = '.trail/policy.yml';

export interface LoadedPolicy {
  policy: Policy;
  /** The file it came from (repository-relative), or undefined for the default policy. */
  source: string | undefined;
}

export function policyPath(repo: Repo): string {
  return join(repo.configDir, 'policy.yml');
}

export function loadPolicy(repo: Repo): LoadedPolicy {
  const path = policyPath(repo);
  if (!existsSync(path)) return { policy: defaultPolicy(), source: undefined };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // A folder in its place, or no permission: named, not an internal error.
    throw fileError('read', POLICY_FILE, error);
  }
  return { policy: parsePolicy(text, POLICY_FILE), source: POLICY_FILE };
}
