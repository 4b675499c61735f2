/**
 * A stand-in for SignetBridge.mq5 speaking the same HTTP (/mt5/v1): the terminal's headers,
 * server-clock times with a +2 h offset, and the careless habits of real EAs (a trailing NUL,
 * no Content-Type). Used by the bridge's route tests and the MT5 market-session tests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { eaIsOutdated } from '../../src/venues/mt5/ea-version.ts';
import {
  type FillingMode,
  type Quote,
  type Refusal,
  type SymbolRules,
  tradeServerRefusal,
} from './trade-server-rules.ts';

/** Whether `proof` is HMAC-SHA256(token, body) in hex, as SignetBridge.mq5 checks it. */
export function proofIsValid(token: string, body: string, proof: string | null): boolean {
  if (!proof) return false;
  const expected = createHmac('sha256', token).update(body, 'utf8').digest();
  const given = Buffer.from(proof, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const terminalHeaders = {
  'User-Agent': 'MetaTrader 5 Terminal/5.4620 (Windows NT 10.0; Win64; x64)',
  Accept: '*/*',
  'Accept-Encoding': 'gzip, deflate',
};

/** What SignetBridge 1.1 posts with its bars, for a standard FX contract. */
export const fxContract = { contract_size: 100_000, volume_min: 0.01, volume_step: 0.01, volume_max: 100 };

export interface EaBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  tv?: number;
  sp?: number;
  rv?: number;
}

export class SimulatedEa {
  private counter = 0;
  readonly serverUtcOffsetS = 7200;
  account = { balance: 10_000, equity: 10_012.35, margin_free: 9_950.1 };
  tradeAllowed = true;
  /** ACCOUNT_TRADE_MODE: 0 demo, 1 contest, 2 real money. */
  tradeMode = 0;
  /** Each symbol's trading rules; a symbol not listed gets `defaultRules`. */
  symbolRules: Record<string, SymbolRules> = {};
  defaultRules: SymbolRules = { digits: 5, stopsLevelPoints: 10, filling: ['FOK', 'IOC'] };
  /**
   * The filling mode the EA asks for: `symbol` is SignetBridge 1.2's SetTypeFillingBySymbol;
   * a fixed mode is an older EA's (CTrade defaults to FOK).
   */
  filling: 'symbol' | FillingMode = 'symbol';
  /**
   * The trade server's verdict is checked on every command polled; strict, a command the server
   * would refuse throws, so no test passes with an order a broker would reject.
   */
  strict = true;
  /** The EA_VERSION posted in each heartbeat: SignetBridge as shipped. */
  eaVersion = '1.2.0';
  /** SYMBOL_TRADE_MODE per symbol (default 4, full trading). */
  tradeModes: Record<string, number> = {};
  /** Last quotes (from the last bar posted) and position sides (from the last report). */
  readonly quotes: Record<string, Quote> = {};
  readonly positionSides = new Map<number, 'buy' | 'sell'>();

  constructor(
    readonly baseUrl: string,
    private readonly bridgeToken: string,
    readonly terminalId = '51234567@Broker-Demo',
  ) {}

  msgId(): string {
    this.counter += 1;
    return `${this.terminalId}-${1_763_649_600_000 + this.counter}`;
  }

  async post(
    path: string,
    body: Record<string, unknown>,
    options: { nul?: boolean; contentType?: boolean; token?: string | null } = {},
  ) {
    const text = JSON.stringify(body) + (options.nul ? '\0' : '');
    const headers: Record<string, string> = { ...terminalHeaders };
    if (options.contentType !== false) headers['Content-Type'] = 'application/json';
    const bridgeToken = options.token === undefined ? this.bridgeToken : options.token;
    if (bridgeToken !== null) headers['X-Bridge-Token'] = bridgeToken;
    const response = await fetch(`${this.baseUrl}/mt5/v1${path}`, { method: 'POST', headers, body: text });
    const raw = await response.text();
    return {
      status: response.status,
      raw,
      json: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
      /** The server proved it holds our token (x-signet-proof over this body). */
      proven: proofIsValid(this.bridgeToken, raw, response.headers.get('x-signet-proof')),
    };
  }

  heartbeat(msgId = this.msgId(), timeUtc = Math.floor(Date.now() / 1000)) {
    return this.post(
      '/heartbeat',
      {
        msg_id: msgId,
        terminal_id: this.terminalId,
        ea_version: this.eaVersion,
        build: 4620,
        account: {
          login: 51234567,
          server: 'Broker-Demo',
          currency: 'USD',
          trade_mode: this.tradeMode,
          ...this.account,
        },
        trade_allowed: this.tradeAllowed,
        symbols: ['EURUSD'],
        time_server: timeUtc + this.serverUtcOffsetS,
        time_utc: timeUtc,
        server_utc_offset_s: this.serverUtcOffsetS,
        last_error: 0,
      },
      { nul: true, contentType: false },
    );
  }

  /** Closed bars whose `t` is given in UTC seconds; sent on the server clock, as MT5 does. */
  bars(
    symbol: string,
    bars: EaBar[],
    contract: Partial<typeof fxContract> | null = fxContract,
    timeframe = 'M5',
  ) {
    const last = bars.at(-1);
    if (last) {
      const spread = (last.sp ?? 6) * 10 ** -this.rulesFor(symbol).digits;
      this.quotes[symbol] = { bid: last.c, ask: last.c + spread };
    }
    return this.post('/bars', {
      msg_id: this.msgId(),
      terminal_id: this.terminalId,
      symbol,
      timeframe,
      digits: this.rulesFor(symbol).digits,
      ...(contract ?? {}),
      ...(contract && !eaIsOutdated(this.eaVersion, '1.2.0')
        ? {
            tick_size: Number((10 ** -this.rulesFor(symbol).digits).toFixed(this.rulesFor(symbol).digits)),
            // SYMBOL_FILLING_MODE flags (1 FOK, 2 IOC) and SYMBOL_TRADE_MODE 4 (full).
            filling_mode:
              (this.rulesFor(symbol).filling.includes('FOK') ? 1 : 0) +
              (this.rulesFor(symbol).filling.includes('IOC') ? 2 : 0),
            trade_mode: this.tradeModes[symbol] ?? 4,
          }
        : {}),
      server_utc_offset_s: this.serverUtcOffsetS,
      bars: bars.map((bar) => ({ tv: 100, sp: 6, rv: 0, ...bar, t: bar.t + this.serverUtcOffsetS })),
    });
  }

  positions(
    positions: Array<{
      ticket: number;
      symbol: string;
      type: 'buy' | 'sell';
      volume: number;
      price_open: number;
      sl?: number;
      tp?: number;
      magic?: number;
      /** When it opened, UTC seconds: sent on the server clock as POSITION_TIME is. */
      opened?: number;
    }>,
    timeUtc = Math.floor(Date.now() / 1000),
  ) {
    for (const position of positions) this.positionSides.set(position.ticket, position.type);
    return this.post('/positions', {
      msg_id: this.msgId(),
      terminal_id: this.terminalId,
      time_utc: timeUtc,
      server_utc_offset_s: this.serverUtcOffsetS,
      positions: positions.map(({ opened, ...position }) =>
        opened === undefined ? position : { ...position, time_server: opened + this.serverUtcOffsetS },
      ),
    });
  }

  /**
   * One poll. Like the EA, a command is taken only from a server that proves it holds the token
   * (x-signet-proof): without the proof, `command` is undefined and `refused` says why.
   */
  async poll() {
    const response = await fetch(
      `${this.baseUrl}/mt5/v1/commands?terminal_id=${encodeURIComponent(this.terminalId)}&after=0`,
      { headers: { ...terminalHeaders, 'X-Bridge-Token': this.bridgeToken } },
    );
    const raw = await response.text();
    const proven = proofIsValid(this.bridgeToken, raw, response.headers.get('x-signet-proof'));
    if (response.status === 200 && !proven)
      return { status: response.status, command: undefined, refused: 'proof', refusal: null };
    const command = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const refusal = command ? this.verdict(command) : null;
    if (refusal && this.strict)
      throw new Error(`the MT5 trade server would refuse ${raw}: ${refusal.retcode} ${refusal.retcode_name}`);
    return { status: response.status, command, refused: null, refusal };
  }

  rulesFor(symbol: string): SymbolRules {
    return this.symbolRules[symbol] ?? this.defaultRules;
  }

  /** What the trade server answers to `command` now (null: accepted). */
  verdict(command: Record<string, unknown>): Refusal | null {
    const symbol = String(command.symbol ?? '');
    const rules = this.rulesFor(symbol);
    const side =
      command.action === 'open'
        ? (command.side as 'buy' | 'sell')
        : this.positionSides.get(Number(command.position_ticket));
    const filling = this.filling === 'symbol' ? rules.filling[0] : this.filling;
    return tradeServerRefusal(
      {
        action: String(command.action),
        price: Number(command.price ?? 0),
        sl: Number(command.sl ?? 0),
        tp: Number(command.tp ?? 0),
        order_type: String(command.order_type ?? 'market'),
      },
      side,
      this.quotes[symbol],
      rules,
      filling,
    );
  }

  ack(commandId: string, fields: Record<string, unknown>) {
    return this.post('/commands/ack', {
      msg_id: this.msgId(),
      terminal_id: this.terminalId,
      command_id: commandId,
      ...fields,
    });
  }
}
