/**
 * Delivers a payload to a Trail server's `POST /webhooks/github` as GitHub does: the event
 * and delivery id in headers, the raw body signed with the webhook secret
 * (`X-Hub-Signature-256`, HMAC-SHA256).
 */
import { createHmac } from 'node:crypto';

export function deliverGitHub(
  serverUrl: string,
  delivery: { secret: string; event: string; id: string; payload: unknown },
): Promise<Response> {
  const body = JSON.stringify(delivery.payload);
  return fetch(`${serverUrl}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': delivery.event,
      'x-github-delivery': delivery.id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', delivery.secret).update(body).digest('hex')}`,
    },
    body,
  });
}

/** A `push` payload as GitHub shapes it, with what Trail reads of it: the last commit is `after`. */
export function githubPush(push: {
  repo: string;
  ref: string;
  before: string;
  commits: readonly string[];
  forced?: boolean;
  defaultBranch?: string;
}): unknown {
  return {
    ref: push.ref,
    before: push.before,
    after: push.commits.at(-1),
    forced: push.forced ?? false,
    commits: push.commits.map((id) => ({ id })),
    repository: { full_name: push.repo, default_branch: push.defaultBranch ?? 'main' },
  };
}
