import type { Logger } from '../logging/index.ts';

export interface Page {
  level: number;
  title: string;
  detail: string;
  at: string;
}

/** Where pages go. `send` throws when the page was not delivered. */
export interface Notifier {
  readonly name: string;
  send(page: Page): Promise<void>;
}

/**
 * A JSON POST that Slack (`text`), Discord (`content`) and generic receivers understand; ntfy
 * accepts it as the message body too. A non-2xx answer is a failed delivery.
 */
export function webhookNotifier(url: string, timeoutMs = 5_000): Notifier {
  return {
    name: 'webhook',
    async send(page) {
      const text = `[Signet L${page.level}] ${page.title}\n${page.detail}`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          text,
          content: text,
          level: page.level,
          title: page.title,
          detail: page.detail,
          at: page.at,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    },
  };
}

export function logNotifier(logger: Logger): Notifier {
  return {
    name: 'log',
    async send(page) {
      logger.error({ page }, `PAGE L${page.level}: ${page.title}`);
    },
  };
}

/**
 * Delivers pages to every notifier, retrying failures with backoff until they go through. A page
 * that cannot be delivered is itself logged (and stays queued), never dropped in silence.
 */
export class Pager {
  readonly #queue: Array<{ page: Page; notifier: Notifier; attempts: number; dueAt: number }> = [];
  #timer: NodeJS.Timeout | undefined;
  #delivered = 0;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly notifiers: Notifier[],
    private readonly logger: Logger,
    private readonly retryMs: number,
  ) {}

  get pending(): number {
    return this.#queue.length;
  }

  get delivered(): number {
    return this.#delivered;
  }

  /** Queues the page and tries to deliver it now; resolves after that first attempt (retries continue). */
  page(page: Page): Promise<void> {
    for (const notifier of this.notifiers) this.#queue.push({ page, notifier, attempts: 0, dueAt: 0 });
    return this.flush();
  }

  /** One delivery pass at a time: two pages in a row must not send the first one twice. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .then(() => this.#flushOnce())
      .catch((error: unknown) =>
        this.logger.error({ err: (error as Error).message }, 'page delivery pass failed; pages stay queued'),
      );
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const now = Date.now();
    for (const item of [...this.#queue]) {
      if (item.dueAt > now) continue;
      try {
        await item.notifier.send(item.page);
        this.#queue.splice(this.#queue.indexOf(item), 1);
        this.#delivered += 1;
      } catch (error) {
        item.attempts += 1;
        item.dueAt = Date.now() + Math.min(this.retryMs * 2 ** (item.attempts - 1), 60_000);
        this.logger.error(
          {
            notifier: item.notifier.name,
            attempts: item.attempts,
            err: (error as Error).message,
            page: item.page.title,
          },
          'page not delivered; will retry',
        );
      }
    }
    if (this.#queue.length > 0 && !this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.retryMs);
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
