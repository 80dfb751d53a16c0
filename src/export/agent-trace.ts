/**
 * Agent Trace records (cursor/agent-trace, schema https://agent-trace.dev/schemas/v1/
 * trace-record.json): one record per checkpoint, files grouped by conversation (session),
 * ranges 1-based in the commit's version of the file. The record id is a UUID derived from
 * the checkpoint id (version 8, "custom"), so exporting twice gives the same records.
 */
import type { RecordOf } from '../core/records.js';
import type { StoredRecord } from '../core/trail-index.js';
import { modelId } from './model-id.js';

export const AGENT_TRACE_VERSION = '1.0';

export function uuidFromHex(hex: string): string {
  const h = hex.padEnd(32, '0').slice(0, 32).split('');
  h[12] = '8';
  h[16] = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export function agentTraceRecord(
  stored: StoredRecord<RecordOf<'checkpoint'>>,
  version: string,
): Record<string, unknown> {
  const c = stored.record;
  const files = Object.entries(c.attribution)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, spans]) => {
      // A person's change to an agent's line (`overrodeSessionId`, `human*` in blame) is what
      // Agent Trace calls `mixed`, "human-edited AI output": grouped with the session it edited.
      const contributorOf = (span: (typeof spans)[number]) =>
        span.origin === 'ai'
          ? { type: 'ai' as const, sessionId: span.sessionId }
          : span.origin === 'human' && span.overrodeSessionId
            ? { type: 'mixed' as const, sessionId: span.overrodeSessionId }
            : { type: span.origin, sessionId: undefined };
      const groups = new Map<string, { type: string; sessionId?: string; list: typeof spans }>();
      for (const span of spans) {
        const who = contributorOf(span);
        const key =
          who.type === 'ai' || who.type === 'mixed' ? `${who.type}:${who.sessionId ?? ''}` : who.type;
        const group = groups.get(key) ?? { ...who, list: [] };
        group.list.push(span);
        groups.set(key, group);
      }
      const conversations = [...groups.values()].map(({ type, sessionId, list }) => {
        const session = sessionId ? c.sessions.find((s) => s.sessionId === sessionId) : undefined;
        const model = type === 'ai' || type === 'mixed' ? modelId(session?.model) : undefined;
        const url = sessionId ? `trail:session/${encodeURIComponent(sessionId)}` : undefined;
        return {
          ...(url ? { url } : {}),
          contributor: { type, ...(model ? { model_id: model } : {}) },
          ranges: list.map((s) => ({ start_line: s.start, end_line: s.end })),
          ...(url ? { related: [{ type: 'session', url }] } : {}),
        };
      });
      return { path, conversations };
    });
  return {
    version: AGENT_TRACE_VERSION,
    id: uuidFromHex(stored.id),
    timestamp: new Date(c.time).toISOString(),
    vcs: { type: 'git', revision: c.commit },
    tool: { name: 'trail', version },
    files,
    metadata: { 'dev.trail': { checkpoint: stored.id, ...(c.key ? { key: c.key } : {}) } },
  };
}
