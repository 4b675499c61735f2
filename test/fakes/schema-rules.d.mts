export function anthropicSchemaProblem(schema: unknown, at?: string): string | undefined;
export function openAiStrictSchemaProblem(schema: unknown, name: string): string | undefined;
export function geminiSchemaProblem(schema: unknown): string | undefined;
