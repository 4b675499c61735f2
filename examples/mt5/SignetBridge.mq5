//+------------------------------------------------------------------+
//| SignetBridge.mq5                                                  |
//|                                                                   |
//| The MetaTrader 5 side of Signet's EA bridge (contract /mt5/v1,    |
//| see src/ingress/mt5-routes.ts). From OnTimer it:                  |
//|   - posts a heartbeat (account, trade permission, clock offset),  |
//|   - posts newly closed bars of the chart symbol, with its         |
//|     contract (contract size, volume min/step/max) for sizing,     |
//|   - posts its open positions (Signet's ledger follows them),      |
//|   - posts closing deals (SL/TP hits, closes by hand) as fills,    |
//|   - optionally posts a chart capture (PNG),                       |
//|   - polls for one command, executes it with CTrade, and acks it.  |
//|                                                                   |
//| Setup: Tools -> Options -> Expert Advisors -> tick "Allow         |
//| WebRequest for listed URL" and add exactly the InpBaseUrl value   |
//| (e.g. http://127.0.0.1:8787). Set InpToken to the value of        |
//| SIGNET_MT5_TOKEN on the Signet side. WebRequest does nothing in   |
//| the Strategy Tester.                                              |
//|                                                                   |
//| Safety rules kept here:                                           |
//|   - every command id is executed at most once: executed ids are   |
//|     persisted (common files folder) and a repeat is re-acked with |
//|     the original result instead of being executed again;          |
//|   - a command past its expires_utc is not executed (ack expired); |
//|   - an ack that could not be delivered is retried, with the same  |
//|     msg_id, on the next timer tick (Signet dedups on msg_id);     |
//|   - the EA acts on HTTP status codes only, never on error bodies; |
//|   - a 2xx answer counts only with a valid X-Signet-Proof header:  |
//|     HMAC-SHA256 of the body keyed with InpToken, so whatever else |
//|     listens on the port cannot send commands (it is refused as if |
//|     the request had failed, and said once in the Experts log).    |
//+------------------------------------------------------------------+
#property copyright "Signet"
#property version   "1.20"
#property strict

#include <Trade\Trade.mqh>

input string          InpBaseUrl          = "http://127.0.0.1:8787"; // Signet ingress (add to the allow-list)
input string          InpToken            = "";                      // X-Bridge-Token (SIGNET_MT5_TOKEN)
input int             InpHeartbeatSeconds = 10;                      // heartbeat period
input int             InpPollSeconds      = 2;                       // command poll period
input ENUM_TIMEFRAMES InpBarsTimeframe    = PERIOD_M5;               // bars posted for the chart symbol
input int             InpBarsCount        = 100;                     // closed bars per post (<= 1000)
input int             InpCaptureMinutes   = 0;                       // chart capture period, 0 = off
input long            InpMagic            = 20261121;                // marks Signet's positions and orders
input int             InpTimeoutMs        = 3000;                    // WebRequest timeout for JSON calls

#define EA_VERSION     "1.2.0"   // Signet warns when the EA attached is older than this (mt5-version.ts)
#define EXECUTED_FILE  "SignetBridge_executed.txt"
#define CAPTURE_FILE   "signet_chart.png"

CTrade   g_trade;
bool     g_requestFailedWarned = false;
// Why a command failed before it reached the trade server (CTrade's result is then stale).
string   g_localFailure = "";
string   g_terminalId = "";
ulong    g_msgCounter = 0;
datetime g_lastHeartbeat = 0;
datetime g_lastPoll = 0;
datetime g_lastCapture = 0;
bool     g_capturePending = false;
datetime g_lastBarSent = 0;
// Server time of the newest closing deal Signet accepted (deals of that second are sent again; Signet dedups by ticket).
datetime g_dealsFrom = 0;
bool     g_allowListWarned = false;
// An ack that did not reach Signet: resent as is (same msg_id) until it does.
string   g_pendingAck = "";

//+------------------------------------------------------------------+
//| Small helpers                                                     |
//+------------------------------------------------------------------+
string NewMsgId()
  {
   g_msgCounter++;
   return g_terminalId + "-" + IntegerToString((long)GetTickCount64()) + "-" + IntegerToString((long)g_msgCounter);
  }

// JSON string escaping for the few free-text fields we send (comments, server names).
string JsonEscape(string text)
  {
   string out = text;
   StringReplace(out, "\\", "\\\\");
   StringReplace(out, "\"", "\\\"");
   StringReplace(out, "\r", " ");
   StringReplace(out, "\n", " ");
   return out;
  }

string Num(double value, int digits) { return DoubleToString(value, digits); }

int ServerUtcOffset() { return (int)(TimeTradeServer() - TimeGMT()); }

//+------------------------------------------------------------------+
//| The server's proof: HMAC-SHA256(InpToken, body) in lower hex.     |
//+------------------------------------------------------------------+
bool g_proofWarned = false;

bool Sha256(const uchar &data[], uchar &digest[])
  {
   uchar none[];
   return CryptEncode(CRYPT_HASH_SHA256, data, none, digest) == 32;
  }

string HmacSha256Hex(const string keyText, const uchar &message[])
  {
   uchar key[];
   int n = StringToCharArray(keyText, key, 0, WHOLE_ARRAY, CP_UTF8);
   ArrayResize(key, n - 1); // no terminating NUL
   if(ArraySize(key) > 64)
     {
      uchar hashed[];
      if(!Sha256(key, hashed))
         return "";
      ArrayFree(key);
      ArrayCopy(key, hashed);
     }
   uchar block[64];
   ArrayInitialize(block, 0);
   ArrayCopy(block, key, 0, 0, ArraySize(key));
   int size = ArraySize(message);
   uchar inner[];
   ArrayResize(inner, 64 + size);
   for(int i = 0; i < 64; i++)
      inner[i] = (uchar)(block[i] ^ 0x36);
   if(size > 0)
      ArrayCopy(inner, message, 64, 0, size);
   uchar innerHash[];
   if(!Sha256(inner, innerHash))
      return "";
   uchar outer[];
   ArrayResize(outer, 96);
   for(int i = 0; i < 64; i++)
      outer[i] = (uchar)(block[i] ^ 0x5c);
   ArrayCopy(outer, innerHash, 64, 0, 32);
   uchar mac[];
   if(!Sha256(outer, mac))
      return "";
   string hex = "";
   for(int i = 0; i < ArraySize(mac); i++)
      hex += StringFormat("%02x", mac[i]);
   return hex;
  }

string HeaderValue(const string headers, const string name)
  {
   string lines[];
   int count = StringSplit(headers, '\n', lines);
   string wanted = name;
   StringToLower(wanted);
   for(int i = 0; i < count; i++)
     {
      int colon = StringFind(lines[i], ":");
      if(colon <= 0)
         continue;
      string key = StringSubstr(lines[i], 0, colon);
      StringTrimLeft(key);
      StringTrimRight(key);
      StringToLower(key);
      if(key != wanted)
         continue;
      string value = StringSubstr(lines[i], colon + 1);
      StringTrimLeft(value);
      StringTrimRight(value);
      StringToLower(value);
      return value;
     }
   return "";
  }

// Compares every character whatever the first difference, so the time taken says nothing.
bool ProofValid(const char &body[], const string headers)
  {
   uchar bytes[];
   int size = ArraySize(body);
   ArrayResize(bytes, size);
   for(int i = 0; i < size; i++)
      bytes[i] = (uchar)body[i];
   string expected = HmacSha256Hex(InpToken, bytes);
   string given = HeaderValue(headers, "X-Signet-Proof");
   if(expected == "" || StringLen(given) != StringLen(expected))
      return false;
   int difference = 0;
   for(int i = 0; i < StringLen(expected); i++)
      difference |= (StringGetCharacter(given, i) ^ StringGetCharacter(expected, i));
   return difference == 0;
  }

//+------------------------------------------------------------------+
//| HTTP: one POST or GET; returns the status code, -1 when it could  |
//| not be sent, -2 when a 2xx answer lacks the server's proof.       |
//+------------------------------------------------------------------+
int Http(const string method, const string path, const string contentType, const char &body[], string &response, int timeoutMs)
  {
   string headers = "X-Bridge-Token: " + InpToken + "\r\n";
   if(contentType != "")
      headers += "Content-Type: " + contentType + "\r\n";
   char result[];
   string resultHeaders;
   ResetLastError();
   int status = WebRequest(method, InpBaseUrl + path, headers, timeoutMs, body, result, resultHeaders);
   if(status == -1)
     {
      int error = GetLastError();
      // Runtime errors (https://www.mql5.com/en/docs/constants/errorswarnings/errorcodes and
      // https://www.mql5.com/en/docs/network/webrequest): 4014 ERR_FUNCTION_NOT_ALLOWED is the
      // terminal refusing a URL that is not in the allow-list; 5203 ERR_WEBREQUEST_REQUEST_FAILED
      // is the request itself failing (Signet not running, wrong host or port, network down).
      // Each is said once, not every tick, with its own fix.
      if(error == 4014 && !g_allowListWarned)
        {
         Print("SignetBridge: WebRequest refused (4014): add ", InpBaseUrl,
               " under Tools -> Options -> Expert Advisors -> Allow WebRequest for listed URL");
         g_allowListWarned = true;
        }
      else if(error == 5203 && !g_requestFailedWarned)
        {
         Print("SignetBridge: request to ", InpBaseUrl, " failed (5203): is Signet running, and are the host and port right?");
         g_requestFailedWarned = true;
        }
      else if(error != 4014 && error != 5203 && !g_requestFailedWarned)
        {
         Print("SignetBridge: WebRequest failed with runtime error ", error);
         g_requestFailedWarned = true;
        }
      response = "";
      return -1;
     }
   g_requestFailedWarned = false;
   if(status >= 200 && status < 300 && !ProofValid(result, resultHeaders))
     {
      // Not Signet, or not the Signet holding our token: nothing it says is acted on.
      if(!g_proofWarned)
        {
         Print("SignetBridge: ", InpBaseUrl, " answered without a valid X-Signet-Proof: ignored (another program on the port, or a different SIGNET_MT5_TOKEN)");
         g_proofWarned = true;
        }
      response = "";
      return -2;
     }
   response = CharArrayToString(result, 0, ArraySize(result), CP_UTF8);
   return status;
  }

int PostJson(const string path, const string json, string &response)
  {
   char body[];
   int n = StringToCharArray(json, body, 0, WHOLE_ARRAY, CP_UTF8);
   ArrayResize(body, n - 1); // drop the terminating NUL that StringToCharArray copies
   return Http("POST", path, "application/json", body, response, InpTimeoutMs);
  }

//+------------------------------------------------------------------+
//| Minimal JSON readers for Signet's flat command object.           |
//+------------------------------------------------------------------+
int JsonValueStart(const string json, const string key)
  {
   int at = StringFind(json, "\"" + key + "\"");
   if(at < 0)
      return -1;
   at = StringFind(json, ":", at);
   if(at < 0)
      return -1;
   at++;
   while(at < StringLen(json) && StringGetCharacter(json, at) == ' ')
      at++;
   return at;
  }

string JsonString(const string json, const string key)
  {
   int at = JsonValueStart(json, key);
   if(at < 0 || StringGetCharacter(json, at) != '"')
      return "";
   int end = StringFind(json, "\"", at + 1);
   return end < 0 ? "" : StringSubstr(json, at + 1, end - at - 1);
  }

double JsonNumber(const string json, const string key)
  {
   int at = JsonValueStart(json, key);
   if(at < 0)
      return 0.0;
   int end = at;
   while(end < StringLen(json))
     {
      ushort c = StringGetCharacter(json, end);
      if(c == ',' || c == '}' || c == ' ')
         break;
      end++;
     }
   return StringToDouble(StringSubstr(json, at, end - at));
  }

//+------------------------------------------------------------------+
//| Executed command ids, persisted in the common files folder.      |
//| Line format: command_id|status|retcode|order|deal|price|volume    |
//+------------------------------------------------------------------+
bool FindExecuted(const string commandId, string &line)
  {
   int handle = FileOpen(EXECUTED_FILE, FILE_READ | FILE_TXT | FILE_COMMON | FILE_ANSI);
   if(handle == INVALID_HANDLE)
      return false;
   bool found = false;
   while(!FileIsEnding(handle))
     {
      string current = FileReadString(handle);
      if(StringFind(current, commandId + "|") == 0)
        {
         line = current;
         found = true;
         break;
        }
     }
   FileClose(handle);
   return found;
  }

void RememberExecuted(const string line)
  {
   int handle = FileOpen(EXECUTED_FILE, FILE_READ | FILE_WRITE | FILE_TXT | FILE_COMMON | FILE_ANSI);
   if(handle == INVALID_HANDLE)
     {
      Print("SignetBridge: cannot write ", EXECUTED_FILE, " error ", GetLastError());
      return;
     }
   FileSeek(handle, 0, SEEK_END);
   FileWriteString(handle, line + "\r\n");
   FileClose(handle);
  }

//+------------------------------------------------------------------+
//| Acknowledgements                                                  |
//+------------------------------------------------------------------+
string StatusOf(uint retcode)
  {
   if(retcode == TRADE_RETCODE_DONE || retcode == TRADE_RETCODE_PLACED || retcode == TRADE_RETCODE_DONE_PARTIAL)
      return "done";
   return "rejected";
  }

void SendAck(const string json)
  {
   string response;
   int status = PostJson("/mt5/v1/commands/ack", json, response);
   // 200 applied (or already applied), 409 conflicting, 404 unknown: final answers.
   if(status == 200 || status == 409 || status == 404 || status == 400)
      g_pendingAck = "";
   else
      g_pendingAck = json; // retried next tick with the same msg_id
  }

string AckJson(const string commandId, const string status, uint retcode, string retcodeName, ulong order, ulong deal,
               double price, double volume, string comment)
  {
   return StringFormat("{\"msg_id\":\"%s\",\"terminal_id\":\"%s\",\"command_id\":\"%s\",\"status\":\"%s\",\"retcode\":%u,"
                       "\"retcode_name\":\"%s\",\"order\":%I64u,\"deal\":%I64u,\"price\":%s,\"volume\":%s,\"comment\":\"%s\",\"time_utc\":%I64d}",
                       NewMsgId(), JsonEscape(g_terminalId), commandId, status, retcode, retcodeName, order, deal,
                       Num(price, 8), Num(volume, 2), JsonEscape(comment), (long)TimeGMT());
  }

//+------------------------------------------------------------------+
//| Command execution                                                 |
//+------------------------------------------------------------------+
// A price on the symbol's grid. Signet already rounds each price the way that never widens risk
// (src/venues/mt5/broker/price-grid.ts); this only removes binary noise and honours a tick size
// coarser than the point (SYMBOL_TRADE_TICK_SIZE). A price off the grid is refused by the server
// (TRADE_RETCODE_INVALID_PRICE 10015 / INVALID_STOPS 10016,
// https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes).
double OnGrid(const string symbol, const double price)
  {
   if(price <= 0.0)
      return 0.0;
   double tick = SymbolInfoDouble(symbol, SYMBOL_TRADE_TICK_SIZE);
   double value = tick > 0.0 ? MathRound(price / tick) * tick : price;
   return NormalizeDouble(value, (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS));
  }

bool ExecuteOpen(const string command)
  {
   string symbol = JsonString(command, "symbol");
   string side = JsonString(command, "side");
   string orderType = JsonString(command, "order_type");
   double volume = JsonNumber(command, "volume");
   double price = OnGrid(symbol, JsonNumber(command, "price"));
   double sl = OnGrid(symbol, JsonNumber(command, "sl"));
   double tp = OnGrid(symbol, JsonNumber(command, "tp"));
   string comment = JsonString(command, "comment");
   g_trade.SetDeviationInPoints((ulong)JsonNumber(command, "deviation_points"));
   // CTrade fills FOK unless told otherwise, and a broker that does not allow FOK refuses every
   // order (TRADE_RETCODE_INVALID_FILL 10030): use a mode the symbol allows (SYMBOL_FILLING_MODE,
   // https://www.mql5.com/en/docs/standardlibrary/tradeclasses/ctrade/ctradesettypefillingbysymbol).
   if(!g_trade.SetTypeFillingBySymbol(symbol))
     {
      g_localFailure = "no filling mode known for " + symbol;
      return false;
     }
   if(orderType == "market")
      return side == "buy" ? g_trade.Buy(volume, symbol, 0.0, sl, tp, comment) : g_trade.Sell(volume, symbol, 0.0, sl, tp, comment);
   if(orderType == "limit")
      return side == "buy" ? g_trade.BuyLimit(volume, price, symbol, sl, tp, ORDER_TIME_GTC, 0, comment)
                           : g_trade.SellLimit(volume, price, symbol, sl, tp, ORDER_TIME_GTC, 0, comment);
   if(orderType == "stop")
      return side == "buy" ? g_trade.BuyStop(volume, price, symbol, sl, tp, ORDER_TIME_GTC, 0, comment)
                           : g_trade.SellStop(volume, price, symbol, sl, tp, ORDER_TIME_GTC, 0, comment);
   return false;
  }

// Closes positions and deletes pending orders: every one on the account when scope is "all"
// (the watchdog's level-4 flatten, like Alpaca's close-all), else only those with our magic.
bool ExecuteCloseAll(const bool everything)
  {
   bool ok = true;
   for(int i = PositionsTotal() - 1; i >= 0; i--)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket != 0 && (everything || PositionGetInteger(POSITION_MAGIC) == InpMagic))
        {
         // PositionGetTicket selected it: close with a filling mode its symbol allows.
         g_trade.SetTypeFillingBySymbol(PositionGetString(POSITION_SYMBOL));
         ok = g_trade.PositionClose(ticket) && ok;
        }
     }
   for(int i = OrdersTotal() - 1; i >= 0; i--)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket != 0 && (everything || OrderGetInteger(ORDER_MAGIC) == InpMagic))
         ok = g_trade.OrderDelete(ticket) && ok;
     }
   return ok;
  }

void HandleCommand(const string command)
  {
   string commandId = JsonString(command, "command_id");
   string action = JsonString(command, "action");
   if(commandId == "")
      return;
   // Executed before (e.g. the ack was lost): re-ack the original result, never execute twice.
   string previous;
   if(FindExecuted(commandId, previous))
     {
      string parts[];
      StringSplit(previous, '|', parts);
      if(ArraySize(parts) >= 7)
         SendAck(AckJson(commandId, "duplicate", (uint)StringToInteger(parts[2]), "", (ulong)StringToInteger(parts[3]),
                         (ulong)StringToInteger(parts[4]), StringToDouble(parts[5]), StringToDouble(parts[6]), "already executed"));
      return;
     }
   if((long)JsonNumber(command, "expires_utc") < (long)TimeGMT())
     {
      RememberExecuted(commandId + "|expired|0|0|0|0|0");
      SendAck(AckJson(commandId, "expired", 0, "", 0, 0, 0, 0, "expired before execution"));
      return;
     }
   bool sent = false;
   g_localFailure = "";
   ulong positionTicket = (ulong)JsonNumber(command, "position_ticket");
   // CTrade's PositionClose and PositionModify return false before clearing their result when the
   // position cannot be selected: the ack would carry the previous command's retcode. Checked
   // here so such a failure acks its own reason.
   if((action == "close" || action == "modify") && !PositionSelectByTicket(positionTicket))
      g_localFailure = StringFormat("position %I64u not found", positionTicket);
   else if(action == "open")
      sent = ExecuteOpen(command);
   else if(action == "close")
     {
      g_trade.SetTypeFillingBySymbol(PositionGetString(POSITION_SYMBOL));
      sent = g_trade.PositionClose(positionTicket);
     }
   else if(action == "modify")
     {
      string symbol = PositionGetString(POSITION_SYMBOL);
      sent = g_trade.PositionModify(positionTicket, OnGrid(symbol, JsonNumber(command, "sl")), OnGrid(symbol, JsonNumber(command, "tp")));
     }
   else if(action == "cancel")
      sent = g_trade.OrderDelete((ulong)JsonNumber(command, "order_ticket"));
   else if(action == "close_all")
      sent = ExecuteCloseAll(JsonString(command, "scope") == "all");
   if(g_localFailure != "")
     {
      // Never reached the trade server: no retcode, no order, its own reason.
      RememberExecuted(commandId + "|rejected|0|0|0|0|0");
      SendAck(AckJson(commandId, "rejected", 0, "", 0, 0, 0, 0, g_localFailure));
      return;
     }
   uint retcode = g_trade.ResultRetcode();
   if(action == "close_all" && sent)
      retcode = TRADE_RETCODE_DONE;
   string status = sent ? StatusOf(retcode) : "rejected";
   ulong order = g_trade.ResultOrder();
   ulong deal = g_trade.ResultDeal();
   double price = g_trade.ResultPrice();
   double volume = g_trade.ResultVolume();
   // Remember first, then ack: a crash in between re-acks as duplicate instead of re-executing.
   RememberExecuted(StringFormat("%s|%s|%u|%I64u|%I64u|%s|%s", commandId, status, retcode, order, deal, Num(price, 8), Num(volume, 2)));
   SendAck(AckJson(commandId, status, retcode, g_trade.ResultRetcodeDescription(), order, deal, price, volume, g_trade.ResultComment()));
  }

void PollCommands()
  {
   char none[];
   string response;
   int status = Http("GET", "/mt5/v1/commands?terminal_id=" + g_terminalId + "&after=0", "", none, response, InpTimeoutMs);
   if(status == 200 && response != "")
      HandleCommand(response);
  }

//+------------------------------------------------------------------+
//| Reports                                                           |
//+------------------------------------------------------------------+
void SendHeartbeat()
  {
   string json = StringFormat(
      "{\"msg_id\":\"%s\",\"terminal_id\":\"%s\",\"ea_version\":\"%s\",\"build\":%d,"
      "\"account\":{\"login\":%I64d,\"server\":\"%s\",\"currency\":\"%s\",\"trade_mode\":%d,\"balance\":%s,\"equity\":%s,\"margin_free\":%s},"
      "\"trade_allowed\":%s,\"symbols\":[\"%s\"],\"time_server\":%I64d,\"time_utc\":%I64d,\"server_utc_offset_s\":%d,\"last_error\":%d}",
      NewMsgId(), JsonEscape(g_terminalId), EA_VERSION, (int)TerminalInfoInteger(TERMINAL_BUILD),
      AccountInfoInteger(ACCOUNT_LOGIN), JsonEscape(AccountInfoString(ACCOUNT_SERVER)), AccountInfoString(ACCOUNT_CURRENCY),
      (int)AccountInfoInteger(ACCOUNT_TRADE_MODE), Num(AccountInfoDouble(ACCOUNT_BALANCE), 2), Num(AccountInfoDouble(ACCOUNT_EQUITY), 2),
      Num(AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2),
      (TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) && MQLInfoInteger(MQL_TRADE_ALLOWED)) ? "true" : "false",
      _Symbol, (long)TimeTradeServer(), (long)TimeGMT(), ServerUtcOffset(), GetLastError());
   string response;
   PostJson("/mt5/v1/heartbeat", json, response);
  }

// Posts the closed bars newer than the last one Signet accepted (start_pos 1 = last closed bar).
void SendBars()
  {
   MqlRates rates[];
   int got = CopyRates(_Symbol, InpBarsTimeframe, 1, MathMin(InpBarsCount, 1000), rates); // rates[0] is the oldest
   if(got <= 0 || rates[got - 1].time <= g_lastBarSent)
      return;
   string period = EnumToString(InpBarsTimeframe);
   StringReplace(period, "PERIOD_", "");
   string bars = "";
   for(int i = 0; i < got; i++)
     {
      if(rates[i].time <= g_lastBarSent)
         continue;
      if(bars != "")
         bars += ",";
      bars += StringFormat("{\"t\":%I64d,\"o\":%s,\"h\":%s,\"l\":%s,\"c\":%s,\"tv\":%I64d,\"sp\":%d,\"rv\":%I64d}",
                           (long)rates[i].time, Num(rates[i].open, _Digits), Num(rates[i].high, _Digits), Num(rates[i].low, _Digits),
                           Num(rates[i].close, _Digits), rates[i].tick_volume, rates[i].spread, rates[i].real_volume);
     }
   // The contract travels with the bars: Signet sizes in units of the instrument and turns them
   // into lots with these (no contract size reported = no order for the symbol).
   string json = StringFormat("{\"msg_id\":\"%s\",\"terminal_id\":\"%s\",\"symbol\":\"%s\",\"timeframe\":\"%s\",\"digits\":%d,"
                              "\"contract_size\":%s,\"volume_min\":%s,\"volume_step\":%s,\"volume_max\":%s,"
                              "\"tick_size\":%s,\"filling_mode\":%d,\"trade_mode\":%d,"
                              "\"server_utc_offset_s\":%d,\"bars\":[%s]}",
                              NewMsgId(), JsonEscape(g_terminalId), _Symbol, period, _Digits,
                              Num(SymbolInfoDouble(_Symbol, SYMBOL_TRADE_CONTRACT_SIZE), 2),
                              Num(SymbolInfoDouble(_Symbol, SYMBOL_VOLUME_MIN), 4),
                              Num(SymbolInfoDouble(_Symbol, SYMBOL_VOLUME_STEP), 4),
                              Num(SymbolInfoDouble(_Symbol, SYMBOL_VOLUME_MAX), 2),
                              // The price grid and how the symbol may be traded (signet doctor shows them).
                              Num(SymbolInfoDouble(_Symbol, SYMBOL_TRADE_TICK_SIZE), 10),
                              (int)SymbolInfoInteger(_Symbol, SYMBOL_FILLING_MODE),
                              (int)SymbolInfoInteger(_Symbol, SYMBOL_TRADE_MODE),
                              ServerUtcOffset(), bars);
   string response;
   // Duplicates are harmless (Signet de-duplicates per bar); advance only on success.
   if(PostJson("/mt5/v1/bars", json, response) == 200)
      g_lastBarSent = rates[got - 1].time;
  }

// The open positions (all of them: Signet reports positions it cannot explain).
void SendPositions()
  {
   string items = "";
   for(int i = 0; i < PositionsTotal(); i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      if(items != "")
         items += ",";
      // POSITION_TIME is on the trade server's clock: Signet subtracts server_utc_offset_s.
      items += StringFormat("{\"ticket\":%I64u,\"symbol\":\"%s\",\"type\":\"%s\",\"volume\":%s,\"price_open\":%s,\"sl\":%s,\"tp\":%s,\"magic\":%I64d,\"comment\":\"%s\",\"time_server\":%I64d}",
                            ticket, PositionGetString(POSITION_SYMBOL),
                            PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "buy" : "sell",
                            Num(PositionGetDouble(POSITION_VOLUME), 2), Num(PositionGetDouble(POSITION_PRICE_OPEN), 8),
                            Num(PositionGetDouble(POSITION_SL), 8), Num(PositionGetDouble(POSITION_TP), 8),
                            PositionGetInteger(POSITION_MAGIC), JsonEscape(PositionGetString(POSITION_COMMENT)),
                            (long)PositionGetInteger(POSITION_TIME));
     }
   string json = StringFormat("{\"msg_id\":\"%s\",\"terminal_id\":\"%s\",\"time_utc\":%I64d,\"server_utc_offset_s\":%d,\"positions\":[%s]}",
                              NewMsgId(), JsonEscape(g_terminalId), (long)TimeGMT(), ServerUtcOffset(), items);
   string response;
   PostJson("/mt5/v1/positions", json, response);
  }

string DealReason(const long reason)
  {
   if(reason == DEAL_REASON_SL)
      return "sl";
   if(reason == DEAL_REASON_TP)
      return "tp";
   if(reason == DEAL_REASON_SO)
      return "so";
   if(reason == DEAL_REASON_EXPERT)
      return "expert";
   if(reason == DEAL_REASON_CLIENT)
      return "client";
   if(reason == DEAL_REASON_MOBILE)
      return "mobile";
   if(reason == DEAL_REASON_WEB)
      return "web";
   return "other";
  }

// The deals that closed positions (a stop-loss or take-profit the server triggered, a close by
// hand, a stop-out): Signet's fills for exits it did not send itself. At most 500 per post.
void SendDeals()
  {
   if(g_dealsFrom == 0)
      g_dealsFrom = TimeCurrent() - 86400; // first run: the last day
   if(!HistorySelect(g_dealsFrom, TimeCurrent() + 60))
      return;
   string items = "";
   int count = 0;
   datetime newest = g_dealsFrom;
   for(int i = 0; i < HistoryDealsTotal() && count < 500; i++)
     {
      ulong ticket = HistoryDealGetTicket(i);
      if(ticket == 0)
         continue;
      long entry = HistoryDealGetInteger(ticket, DEAL_ENTRY);
      if(entry != DEAL_ENTRY_OUT && entry != DEAL_ENTRY_OUT_BY && entry != DEAL_ENTRY_INOUT)
         continue;
      long type = HistoryDealGetInteger(ticket, DEAL_TYPE);
      if(type != DEAL_TYPE_BUY && type != DEAL_TYPE_SELL)
         continue;
      datetime time = (datetime)HistoryDealGetInteger(ticket, DEAL_TIME);
      if(items != "")
         items += ",";
      items += StringFormat("{\"ticket\":%I64u,\"order\":%I64d,\"position_id\":%I64d,\"symbol\":\"%s\",\"type\":\"%s\","
                            "\"volume\":%s,\"price\":%s,\"profit\":%s,\"time_server\":%I64d,\"reason\":\"%s\",\"magic\":%I64d}",
                            ticket, HistoryDealGetInteger(ticket, DEAL_ORDER), HistoryDealGetInteger(ticket, DEAL_POSITION_ID),
                            HistoryDealGetString(ticket, DEAL_SYMBOL), type == DEAL_TYPE_BUY ? "buy" : "sell",
                            Num(HistoryDealGetDouble(ticket, DEAL_VOLUME), 2), Num(HistoryDealGetDouble(ticket, DEAL_PRICE), 8),
                            Num(HistoryDealGetDouble(ticket, DEAL_PROFIT), 2), (long)time,
                            DealReason(HistoryDealGetInteger(ticket, DEAL_REASON)), HistoryDealGetInteger(ticket, DEAL_MAGIC));
      if(time > newest)
         newest = time;
      count++;
     }
   if(count == 0)
      return;
   string json = StringFormat("{\"msg_id\":\"%s\",\"terminal_id\":\"%s\",\"server_utc_offset_s\":%d,\"deals\":[%s]}",
                              NewMsgId(), JsonEscape(g_terminalId), ServerUtcOffset(), items);
   string response;
   if(PostJson("/mt5/v1/deals", json, response) == 200)
      g_dealsFrom = newest;
  }

// Capture now, upload on the next tick: the screenshot command is queued and the file may be incomplete at first.
void CaptureChart()
  {
   if(!g_capturePending)
     {
      g_capturePending = ChartScreenShot(0, CAPTURE_FILE, 1280, 720, ALIGN_RIGHT);
      return;
     }
   g_capturePending = false;
   int handle = FileOpen(CAPTURE_FILE, FILE_READ | FILE_BIN);
   if(handle == INVALID_HANDLE)
      return;
   uchar image[];
   FileReadArray(handle, image);
   FileClose(handle);
   char body[];
   ArrayResize(body, ArraySize(image));
   for(int i = 0; i < ArraySize(image); i++)
      body[i] = (char)image[i];
   string period = EnumToString(Period());
   StringReplace(period, "PERIOD_", "");
   string path = StringFormat("/mt5/v1/chart?terminal_id=%s&symbol=%s&timeframe=%s&t=%I64d&msg_id=%s",
                              g_terminalId, _Symbol, period, (long)TimeTradeServer(), NewMsgId());
   string response;
   Http("POST", path, "image/png", body, response, 10000);
  }

//+------------------------------------------------------------------+
//| Event handlers                                                    |
//+------------------------------------------------------------------+
int OnInit()
  {
   if(InpToken == "")
     {
      Print("SignetBridge: set InpToken to the value of SIGNET_MT5_TOKEN");
      return INIT_PARAMETERS_INCORRECT;
     }
   g_terminalId = IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)) + "@" + AccountInfoString(ACCOUNT_SERVER);
   StringReplace(g_terminalId, " ", "_");
   g_trade.SetExpertMagicNumber(InpMagic);
   // One timer (the only one an EA may have); OnTick does not run when the market is closed.
   EventSetTimer(1);
   return INIT_SUCCEEDED;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
  }

void OnTimer()
  {
   datetime now = TimeLocal();
   if(g_pendingAck != "")
      SendAck(g_pendingAck);
   if(now - g_lastHeartbeat >= InpHeartbeatSeconds)
     {
      g_lastHeartbeat = now;
      SendHeartbeat();
      SendDeals();
      SendPositions();
      SendBars();
     }
   if(now - g_lastPoll >= InpPollSeconds)
     {
      g_lastPoll = now;
      PollCommands();
     }
   if(InpCaptureMinutes > 0 && (g_capturePending || now - g_lastCapture >= InpCaptureMinutes * 60))
     {
      if(!g_capturePending)
         g_lastCapture = now;
      CaptureChart();
     }
  }
//+------------------------------------------------------------------+
