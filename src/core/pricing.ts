/**
 * Estimated cost of token usage from a dated price table (USD per million tokens). The
 * table is a default, dated so a report says which prices it used; `.trail/config.json`
 * can replace it (`pricing`). Unknown models cost nothing rather than a guess, and say so.
 */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface PriceTable {
  id: string;
  /** Prefix of the model name -> price. The longest matching prefix wins. */
  models: Record<string, ModelPrice>;
}

export const DEFAULT_PRICES: PriceTable = {
  id: 'trail-default-2026-11-01',
  models: {
    'claude-opus-4': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
    'claude-sonnet-4': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    'claude-haiku-4': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
    'gpt-5': { input: 1.25, output: 10, cacheRead: 0.125 },
    'gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
    'gemini-2.5-pro': { input: 1.25, output: 10, cacheRead: 0.31 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cacheRead: 0.075 },
  },
};

export function priceFor(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(table.models)) {
    if (model.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best ? table.models[best] : undefined;
}

export function estimateCost(
  usage: {
    model?: string;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
  },
  table: PriceTable = DEFAULT_PRICES,
): number | undefined {
  const price = usage.model ? priceFor(usage.model, table) : undefined;
  if (!price) return undefined;
  const cost =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheReadTokens * (price.cacheRead ?? price.input) +
    usage.cacheWriteTokens * (price.cacheWrite ?? price.input);
  return Math.round((cost / 1_000_000) * 1e6) / 1e6;
}
