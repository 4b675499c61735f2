import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeNewsItem } from './news.ts';

/**
 * The real-time news stream `wss://stream.data.alpaca.markets/v1beta1/news`, as documented at
 * https://alpaca.markets/docs/api-references/market-data-api/news-data/realtime/ and
 * https://docs.alpaca.markets/docs/streaming-market-data: on connect `[{"T":"success","msg":"connected"}]`;
 * `{"action":"auth","key","secret"}` → `[{"T":"success","msg":"authenticated"}]` or
 * `[{"T":"error","code":402,"msg":"auth failed"}]`; a subscribe before auth →
 * `[{"T":"error","code":401,"msg":"not authenticated"}]`; `{"action":"subscribe","news":["AAPL"]}`
 * (or `["*"]`) → `[{"T":"subscription","news":[...]}]`; articles arrive as `{"T":"n", ...}`.
 */
export function fakeNewsStream(keyId: string, secretKey: string) {
  const wss = new WebSocketServer({ noServer: true });
  const subscribed = new Map<WebSocket, Set<string>>();
  return {
    handle(request: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(request, socket, head, (ws) => {
        let authenticated = false;
        const reply = (message: unknown) => ws.send(JSON.stringify([message]));
        reply({ T: 'success', msg: 'connected' });
        ws.on('message', (raw) => {
          let message: { action?: string; key?: string; secret?: string; news?: string[] };
          try {
            message = JSON.parse(raw.toString());
          } catch {
            return reply({ T: 'error', code: 400, msg: 'invalid syntax' });
          }
          if (message.action === 'auth') {
            authenticated = message.key === keyId && message.secret === secretKey;
            if (!authenticated) {
              reply({ T: 'error', code: 402, msg: 'auth failed' });
              ws.close();
              return;
            }
            return reply({ T: 'success', msg: 'authenticated' });
          }
          if (!authenticated) return reply({ T: 'error', code: 401, msg: 'not authenticated' });
          if (message.action === 'subscribe' || message.action === 'unsubscribe') {
            const symbols = subscribed.get(ws) ?? new Set<string>();
            for (const symbol of message.news ?? [])
              message.action === 'subscribe' ? symbols.add(symbol) : symbols.delete(symbol);
            subscribed.set(ws, symbols);
            return reply({ T: 'subscription', news: [...symbols] });
          }
          return reply({ T: 'error', code: 400, msg: 'invalid syntax' });
        });
        ws.on('close', () => subscribed.delete(ws));
      });
    },
    /** Sends an article to every connection subscribed to one of its symbols (or to "*"). */
    push(item: FakeNewsItem) {
      for (const [ws, symbols] of subscribed)
        if (symbols.has('*') || item.symbols.some((symbol) => symbols.has(symbol)))
          ws.send(
            JSON.stringify([{ T: 'n', updated_at: item.created_at, summary: '', content: '', ...item }]),
          );
    },
    /** Drops every news connection (as a network failure would); new ones are still taken. */
    drop() {
      for (const ws of wss.clients) ws.terminate();
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
