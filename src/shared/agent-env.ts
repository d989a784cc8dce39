/**
 * The environment a custom agent's command gets besides its own: where the proxy is (OpenAI and
 * Anthropic style), the run's key for it (never the real one), the model, and the prompt's file.
 * Apart from agents.ts (zod schemas) so the renderer can show it without loading zod.
 */
export const customAgentEnvNames = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'LANCER_MODEL', 'LANCER_PROMPT_FILE'] as const;
