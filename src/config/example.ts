/**
 * The commented signet.yaml that `signet init` writes. Every value shown is the default, so the
 * file starts out doing exactly what no file does; a test checks that it parses.
 */
export const exampleConfig = `# signet.yaml — every key is optional; the values below are the defaults.
# Secrets never go here: DATABASE_URL, ANTHROPIC_API_KEY, OPENAI_API_KEY, APCA_API_KEY_ID,
# APCA_API_SECRET_KEY, SIGNET_OPERATOR_TOKEN, SIGNET_MT5_TOKEN and SIGNET_TELEGRAM_TOKEN come from the environment.

dataDir: .signet          # local state: embedded database, halt file
logLevel: info            # fatal | error | warn | info | debug | trace | silent

database:
  embeddedPort: 54329     # preferred port of the embedded PostgreSQL (another is picked if taken)
  poolSize: 10
  # minimumConnections: 10  # kept open while unused (default: poolSize); fewer frees the server's, then a cycle reopens them
  idleTimeoutMs: 30000    # how long one above minimumConnections may go unused before it is closed
  connectTimeoutMs: 5000
  preparedStatements: true  # false behind PgBouncer < 1.21 in transaction mode

bus:
  pollIntervalMs: 1000    # safety-net poll: the most a lost notification delays delivery
  maxAttempts: 5          # handler attempts before a message is parked

feed:
  # kind: sim             # sim | csv | alpaca | mt5 | ibkr; default: follows broker.kind (paper → sim)
  sim:
    seed: 14              # the same seed gives the same market
    symbols: [ALPHA, BRAVO, CHARLIE, DELTA, ECHO]
    bars: 2520
    start: "2015-01-02"
    warmupBars: 60        # history the agents see before the first live bar

broker:
  kind: paper             # paper | alpaca | mt5 | ibkr — this one line switches the venue (feed and mode follow)
  alpaca:                 # keys: APCA_API_KEY_ID, APCA_API_SECRET_KEY; live needs \`signet start --live\`
    mode: paper           # paper | live
    timeframe: 1Day
    symbols: []           # required for alpaca, e.g. [AAPL, MSFT]
    # newsStreamUrl: wss://stream.data.alpaca.markets/v1beta1/news   # pipeline.news.stream's endpoint (the default)
  mt5:                    # SignetBridge.mq5 posts to the ingress; token: SIGNET_MT5_TOKEN
    # terminalId: "51234567@Broker-Demo"   # default: the only terminal that connects
    symbols: []           # empty: every symbol the EA posts bars for
    timeframe: M5         # the EA's InpBarsTimeframe; a cycle runs on each newly closed bar
    commandTtlS: 60       # an order the EA has not picked up by then expires, never goes late
  ibkr:                   # TWS / IB Gateway API socket; the login is the Gateway's (no secret here)
    host: 127.0.0.1
    port: 4002            # Gateway 4002 paper / 4001 live; TWS 7497 paper / 7496 live
    clientId: 1           # the brain; watchdogClientId: 2 and dataClientId: 3 must differ
    # account: DU1234567  # default: the Gateway's single managed account
    live: false           # true: a live account, and \`signet start --live\`
    symbols: []           # required for ibkr, e.g. [AAPL, MSFT] (US stocks on SMART, USD)
    barSize: 1 day

paper:
  cash: 100000
  commission: 0.001       # fraction of traded value
  slippage: 0
  shortMarginRequirement: 1.5  # shorts: collateral per unit of short value (Reg-T 150 %)
  borrowFeeRate: 0.03     # shorts: annual borrow fee, charged per calendar day (rate / 360)

risk:                     # enforced by code (the Risk Gate); sizing never comes from an LLM
  maxPositionPct: 0.1     # largest position, fraction of equity
  maxGrossExposurePct: 1
  maxDailyLossPct: 0.03
  maxSymbolDailyLossPct: 0.01
  maxRiskPerTradePct: 0.01  # loss at the stop, fraction of equity
  minStopDistancePct: 0.002
  maxStopDistancePct: 0.15
  maxEntryFromQuotePct: 0.02  # the entry may be this far from the fresh quote, fraction
  maxCorrelation: 0.85
  correlationLookback: 60

strategist:
  fallback: sma-cross     # sma-cross | breakout | mean-reversion: decides when no LLM can be asked
  fallbackParameters: { fast: 10, slow: 30 }
  minRewardToRisk: 1.5
  maxHorizonBars: 20
  allowShort: false       # true: short entries on every venue (paper margin model above); false: vetoed in code
  stopAtr: 2
  targetAtr: 3

pipeline:
  timeframe: 1d
  topK: 3                 # candidates kept by the screen per cycle
  parallelism: 4          # candidates worked on at once; their Risk Gates one at a time, best ranked first
  signerTimeoutMs: 120000 # a signer slower than this is a veto
  maxDataAgeSeconds: 172800
  factTolerancePct: 0.1   # a cited fact (close, sma30, ...) may be this % off the data it names
  news: { source: none, lookbackHours: 72, limit: 5, stream: false }   # none | file (with file: news.csv) | alpaca; headlines never later than the bar
                          # stream: true (alpaca): a buffer of the real-time news stream, the historical API for a symbol not buffered yet

macro:                    # the Macro Officer's bars, once per session (per bar in sim)
  index: SPY              # market mode: loaded through the venue's feed, never traded; no bars (the sim): a synthetic equal-weight index of the symbols
  sectors: [XLK, XLF, XLV, XLY, XLP, XLE, XLI, XLB, XLU, XLRE, XLC]  # loaded with the index; none with bars: each symbol stands in
  volatilePct: 2          # fallback: index 20-bar volatility above this (%) is a volatile market

ceo:                      # bounds of the CEO's daily budget (code clamps its answer within them)
  maxRiskMultiplierCap: 1 # highest cap on the Regime agent's risk multiplier
  maxNewPositions: 5      # most new positions in one trading day

monitor:
  stopManagement:
    mode: off             # off | breakeven | trail: the monitor only ever tightens a stop
    triggerR: 1           # profit, in multiples of the initial risk R, before the stop moves
    trailR: 1             # trail: distance kept behind the price, in R

schedule:
  # mode: sim             # sim: one bar every barIntervalMs; market: real time. Default: follows broker.kind
  barIntervalMs: 2000
  monitorIntervalMs: 10000

paths:
  contextDir: context     # journal/ and reports/ go here
  # skillsDir: skills     # default: the shipped skills/
  # philosophyFile: context/philosophy.md

llm:
  mode: live              # live | record | replay | cache
  budget: { dailyUsd: 0, shadowDailyUsd: 0 } # daily caps: paid routes of decisions / of challengers in shadow; 0 = no cap
  breaker: { failures: 3, cooldownMs: 60000 }
  routes: []              # none: every agent uses its deterministic fallback; signet doctor probes each route
  # routes:                # in priority order; keys come from the environment only
  #   - { name: claude, kind: claude-cli, model: sonnet }   # the CLI gets PATH, HOME, locale, its own login; more: passEnv: [NAME]
  #   - { name: codex, kind: codex-cli, model: gpt-6.1-sol }
  #   - { name: anthropic, kind: anthropic, model: claude-sonnet-5-5 }   # key: ANTHROPIC_API_KEY
  #   - { name: openai, kind: openai, model: gpt-6.1-sol }               # key: OPENAI_API_KEY
  #   - { name: gemini, kind: gemini, model: gemini-3.5-flash }          # key: GEMINI_API_KEY
  #   - { name: ollama, kind: openai-compatible, preset: ollama, model: qwen3:8b }   # local, no key
  #   - { name: openrouter, kind: openai-compatible, preset: openrouter, model: "anthropic/claude-sonnet-5-5" }   # key: OPENROUTER_API_KEY; paid: give its model a price under llm.prices
  #   # a server without json_schema: structuredOutput: json_object (the schema goes in the prompt)
  #   - { name: local, kind: openai-compatible, model: my-model, baseUrl: "http://127.0.0.1:8080/v1", structuredOutput: json_object }
  #   # a model's training cutoff (YYYY-MM; the price table has the vendors' published ones): LLM
  #   # backtests and evaluations over bars before it are refused (--allow-contaminated flags them)
  #   - { name: ollama, kind: openai-compatible, preset: ollama, model: qwen3:8b, trainingCutoff: "2024-12" }

evaluate:
  maxUsd: 10              # signet evaluate refuses an estimate above this without --yes

telegram:                 # the operator's bot (long polling: no inbound port); token: SIGNET_TELEGRAM_TOKEN
  enabled: false
  apiRoot: https://api.telegram.org   # or a self-hosted Bot API server
  allowedChatIds: []      # the only chats answered or obeyed, e.g. [123456789]
  pollTimeoutSeconds: 30
  notify: { fill: on, exit: on, veto: silent, halt: on, breaker: on, budget: on, resume: on, report: on }   # on | silent | off (halt: on | silent)
`;
