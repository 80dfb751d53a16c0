/**
 * The signature trail push puts on commits and policy (src/core/push-signature.ts): it holds
 * for exactly what was signed, for that repository and that kind of push, at that time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pushSignatureHolds, signPush } from '../../src/core/push-signature.js';
import { generateKeyPair } from '../../src/core/signature.js';

test('a push signature holds for its body, repository, kind and time, and for nothing else', () => {
  const key = generateKeyPair();
  const body = { commit: 'a'.repeat(40), policy: 'required: [request.tickets]\n' };
  const signature = signPush('acme/app', 'policy', body, key, '2026-12-05T10:00:00.000Z');
  assert.equal(signature.keyId, key.keyId);
  assert.equal(pushSignatureHolds('acme/app', 'policy', body, signature, key.publicKey), true);
  // The same body with its keys in another order is the same canonical JSON.
  const reordered = { policy: body.policy, commit: body.commit };
  assert.equal(pushSignatureHolds('acme/app', 'policy', reordered, signature, key.publicKey), true);

  const laxer = { ...body, policy: 'required: []\n' };
  assert.equal(pushSignatureHolds('acme/app', 'policy', laxer, signature, key.publicKey), false, 'body');
  assert.equal(pushSignatureHolds('acme/other', 'policy', body, signature, key.publicKey), false, 'repo');
  assert.equal(pushSignatureHolds('acme/app', 'commits', body, signature, key.publicKey), false, 'kind');
  const later = { ...signature, time: '2026-12-05T11:00:00.000Z' };
  assert.equal(pushSignatureHolds('acme/app', 'policy', body, later, key.publicKey), false, 'time');
  const stranger = generateKeyPair();
  assert.equal(pushSignatureHolds('acme/app', 'policy', body, signature, stranger.publicKey), false, 'key');
});
