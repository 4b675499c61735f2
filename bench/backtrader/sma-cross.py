"""Issue 23's reference workload in backtrader: its 10-feed sma-cross, for the bars per second
Signet's fast backtest is compared with on the same machine (bench/backtrader-reference.ts).

Usage: PYTHONPATH=<a backtrader checkout> python3 sma-cross.py FILE [FILE ...]
Each FILE is one feed (Yahoo CSV, as backtrader's own samples load datas/orcl-1995-2014.txt).
SMA 10/30 crossover per feed, long only: buy on a golden cross when flat, close on a death
cross; 9 % of the account's value per entry so ten feeds fit; cerebro's defaults otherwise
(preload, runonce, the standard observers). Prints one JSON line: bars, the seconds of
cerebro.run() alone and of everything before it (interpreter start excluded).
"""
import json
import sys
import time

started = time.perf_counter()
import backtrader as bt  # noqa: E402  (timed with the set-up)


class SmaCross(bt.Strategy):
    params = dict(fast=10, slow=30)

    def __init__(self):
        self.cross = {
            data: bt.ind.CrossOver(bt.ind.SMA(data.close, period=self.p.fast), bt.ind.SMA(data.close, period=self.p.slow))
            for data in self.datas
        }

    def next(self):
        for data in self.datas:
            held = self.getposition(data).size
            if not held and self.cross[data][0] > 0:
                self.buy(data=data)
            elif held and self.cross[data][0] < 0:
                self.close(data=data)


def main(files):
    cerebro = bt.Cerebro()
    for at, name in enumerate(files):
        cerebro.adddata(bt.feeds.YahooFinanceCSVData(dataname=name), name=f'feed{at}')
    cerebro.addstrategy(SmaCross)
    cerebro.addsizer(bt.sizers.PercentSizer, percents=9)
    ready = time.perf_counter()
    strategy = cerebro.run()[0]
    ran = time.perf_counter()
    bars = sum(len(data) for data in strategy.datas)
    print(json.dumps({'bars': bars, 'runSeconds': ran - ready, 'setupSeconds': ready - started,
                      'value': cerebro.broker.getvalue()}))


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: sma-cross.py FILE [FILE ...]')
    main(sys.argv[1:])
