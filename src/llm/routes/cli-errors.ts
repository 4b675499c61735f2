import {
  LlmAuthError,
  LlmBadRequestError,
  type LlmError,
  LlmOutputError,
  LlmProcessError,
  LlmRateLimitError,
  LlmServerError,
  LlmUsageLimitError,
} from '../errors.ts';
import type { RouteMessage } from '../route.ts';

/**
 * Maps the error texts the Claude Code and Codex CLIs print (reference §1.4, §2.3) to typed
 * errors. The texts are the contract here: both CLIs report usage limits only in prose.
 */
export function classifyCliError(route: string, text: string, status?: number | null): LlmError {
  const message = `${route}: ${text.slice(0, 400)}`;
  const options = { route, status: status ?? undefined };
  if (/hit your .*limit|usage limit/i.test(text)) {
    // Older Claude CLIs: "Claude AI usage limit reached|<unix seconds>".
    const epoch = /limit reached\|(\d{9,11})/i.exec(text)?.[1];
    const retryAfterMs = epoch ? Math.max(0, Number(epoch) * 1000 - Date.now()) : undefined;
    return new LlmUsageLimitError(message, { ...options, retryAfterMs });
  }
  if (
    status === 401 ||
    status === 403 ||
    /not logged in|please run \/login|credit balance is too low|invalid api key|authentication|quota exceeded/i.test(
      text,
    )
  )
    return new LlmAuthError(message, options);
  if (status === 529 || /\b529\b|overloaded/i.test(text))
    return new LlmServerError(message, { ...options, status: 529 });
  if (status === 429 || /\b429\b|rate limit|too many requests|temporarily limiting/i.test(text))
    return new LlmRateLimitError(message, options);
  if (
    (status !== null && status !== undefined && status >= 500) ||
    /\b5\d\d\b|server error|connection refused|bad gateway/i.test(text)
  )
    return new LlmServerError(message, options);
  // Our request was refused as malformed (a schema outside the provider's subset, a model the
  // account cannot use): sending it again cannot help, so the route opens.
  if (
    status === 400 ||
    status === 404 ||
    /invalid_request_error|invalid_json_schema|invalid schema|is not supported when using Codex|issue with the selected model/i.test(
      text,
    )
  )
    return new LlmBadRequestError(message, { ...options, providerMessage: text.slice(0, 400) });
  if (/maximum number of turns|max_turns|structured output/i.test(text))
    return new LlmOutputError(message, { route, kind: 'llm_max_turns' });
  return new LlmProcessError(message, options);
}

/** CLIs take one prompt: a repair conversation is written out as a transcript. */
export function transcript(messages: readonly RouteMessage[]): string {
  if (messages.length === 1) return messages[0]!.content;
  return messages
    .map((message, index) => {
      if (index === 0) return message.content;
      return message.role === 'assistant'
        ? `--- Your previous answer ---\n${message.content}`
        : `--- Reviewer ---\n${message.content}`;
    })
    .join('\n\n');
}
