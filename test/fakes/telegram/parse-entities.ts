/** The fake Bot API's parse_mode checks: what makes Telegram answer "can't parse entities". */

/**
 * Entities of a MarkdownV2 text: https://core.telegram.org/bots/api#markdownv2-style "any
 * character with code between 1 and 126 inclusively can be escaped anywhere with a preceding
 * '\' character … the characters '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-',
 * '=', '|', '{', '}', '.', '!' must be escaped with the preceding character '\'" (outside
 * entities). Only the reserved-character rule and an unclosed bold or italic mark are checked here.
 */
export function markdownV2Problem(text: string): string | null {
  let open: string | null = null;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? '';
    if (char === '\\') {
      index++;
      continue;
    }
    if (char === '*' || char === '_') {
      open = open === char ? null : (open ?? char);
      continue;
    }
    if ('[]()~`>#+-=|{}.!'.includes(char))
      return `Character '${char}' is reserved and must be escaped with the preceding '\\'`;
  }
  return open ? `Can't find end of the entity starting at byte offset ${text.indexOf(open)}` : null;
}

/** https://core.telegram.org/bots/api#html-style: only the listed tags, each closed. */
export function htmlProblem(text: string): string | null {
  const stack: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-z-]+)[^>]*>/gi)) {
    const name = (match[2] ?? '').toLowerCase();
    if (
      ![
        'b',
        'strong',
        'i',
        'em',
        'u',
        'ins',
        's',
        'strike',
        'del',
        'a',
        'code',
        'pre',
        'tg-spoiler',
        'span',
        'blockquote',
      ].includes(name)
    )
      return `Unsupported start tag "${name}" at byte offset ${match.index}`;
    if (match[1]) {
      if (stack.pop() !== name) return `Unexpected end tag at byte offset ${match.index}`;
    } else stack.push(name);
  }
  return stack.length ? `Can't find end tag corresponding to start tag "${stack.at(-1)}"` : null;
}
