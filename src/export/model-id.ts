/** models.dev-style "provider/model" ids, as Agent Trace asks for. */
export function modelId(model: string | undefined): string | undefined {
  if (!model) return undefined;
  if (model.includes('/')) return model.slice(0, 250);
  if (/^claude/.test(model)) return `anthropic/${model}`;
  if (/^(gpt|o\d|codex)/.test(model)) return `openai/${model}`;
  if (/^gemini/.test(model)) return `google/${model}`;
  return model.slice(0, 250);
}
