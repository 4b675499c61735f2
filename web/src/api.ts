/**
 * The operator API client. The token is asked for once and kept in sessionStorage (gone when
 * the tab closes); it is never part of the bundle and never put in a URL.
 */
const tokenKey = 'signet.operatorToken';

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(tokenKey),
  save: (token: string) => sessionStorage.setItem(tokenKey, token),
  forget: () => sessionStorage.removeItem(tokenKey),
};

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const token = session.token();
  if (!token) {
    onUnauthorized();
    throw new Unauthorized('no token');
  }
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(`/api/v1${path}`, { ...init, headers });
  if (response.status === 401) {
    session.forget();
    onUnauthorized();
    throw new Unauthorized('the operator token was refused');
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { message?: string; error?: string };
      message = body.message ?? body.error ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function get<T>(path: string): Promise<T> {
  return (await request(path)).json() as Promise<T>;
}

export async function getBlob(path: string): Promise<Blob> {
  return (await request(path)).blob();
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json() as Promise<T>;
}

/** Checks a token before keeping it. */
export async function tryToken(token: string): Promise<boolean> {
  const response = await fetch('/api/v1/state', { headers: { authorization: `Bearer ${token}` } });
  return response.ok;
}

/**
 * Server-sent events over fetch (EventSource cannot send an Authorization header).
 * Returns a stop function.
 */
export function streamEvents(
  onMessage: (data: unknown) => void,
  onState: (state: string) => void,
): () => void {
  const controller = new AbortController();
  const run = async () => {
    const token = session.token();
    if (!token) return;
    onState('connecting');
    const response = await fetch('/api/v1/events', {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`event stream: ${response.status}`);
    onState('connected');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data) onMessage(JSON.parse(data));
        end = buffer.indexOf('\n\n');
      }
    }
  };
  const loop = async () => {
    while (!controller.signal.aborted) {
      try {
        await run();
      } catch {
        // reconnect below
      }
      if (controller.signal.aborted) break;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void loop();
  return () => controller.abort();
}
