/**
 * Reasoning effort values OpenAI-compatible servers accept for `reasoning_effort`. Apart from
 * endpoints.ts (zod schemas) so the renderer can list them without loading zod.
 */
export const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
