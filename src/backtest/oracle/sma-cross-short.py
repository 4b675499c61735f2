#!/usr/bin/env python3
"""Reference figures for `signet backtest --strategy sma-cross --short --size 1000` on ORCL.

Runs backtrader (github.com/mementum/backtrader, pure Python, no required dependencies) with
the same rules as Signet's fixed-size reversing engine and prints the figures as JSON; the
output is stored beside it as sma-cross-short.json and checked by sma-cross-short.test.ts.

Rules (both sides):
- bars: data/orcl-1995-2014.txt as written (unadjusted Open/High/Low/Close), read with
  GenericCSVData so that no column is rounded or adjusted;
- signal: CrossOver(SMA(close, 10), SMA(close, 30)) at a bar's close;
- order: order_target_size(+1000) on a golden cross, order_target_size(-1000) on a death
  cross: one market order of 2000 reverses a position (close + open the opposite side), a
  first order is 1000; it fills at the next bar's open;
- broker: BackBroker defaults (shortcash=True: a short's proceeds are added to cash and the
  position is valued at size x close, negative), cash 100000, commission 0.1 % of each fill's
  value (setcommission(commission=0.001), stock-like, percentage);
- valuation: broker value at each bar's close, every bar (prenext included).

Usage:  python3 src/backtest/oracle/sma-cross-short.py /path/to/backtrader-checkout \
          > src/backtest/oracle/sma-cross-short.json && npx biome format --write src/backtest/oracle/
(biome only re-wraps the JSON; the numbers are unchanged).
The checkout is the folder holding the `backtrader` package; the stored figures come from
backtrader 1.9.78.123, commit b853d7c90b6721476eb5a5ea3135224e33db1f14, with Python 3.11.7.
"""
import json
import os
import sys

backtrader_dir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('BACKTRADER_DIR', '')
if backtrader_dir:
    sys.path.insert(0, backtrader_dir)
import backtrader as bt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'data', 'orcl-1995-2014.txt'))
SETTINGS = dict(cash=100000.0, commission=0.001, size=1000, fast=10, slow=30)


class SmaCrossReversing(bt.Strategy):
    params = dict(fast=10, slow=30, size=1000)

    def __init__(self):
        self.crossover = bt.ind.CrossOver(bt.ind.SMA(period=self.p.fast), bt.ind.SMA(period=self.p.slow))
        self.values = []
        self.trades = []
        self.orders = []

    def _value(self):
        self.values.append(self.broker.getvalue())

    def prenext(self):
        self._value()

    def next(self):
        self._value()
        if self.crossover[0] > 0:
            self.order_target_size(target=self.p.size)
        elif self.crossover[0] < 0:
            self.order_target_size(target=-self.p.size)

    def notify_order(self, order):
        if order.status in (order.Completed, order.Margin, order.Rejected):
            self.orders.append(
                dict(
                    status=order.getstatusname(),
                    created=bt.num2date(order.created.dt).strftime('%Y-%m-%d'),
                    size=order.created.size,
                    executed=bt.num2date(order.executed.dt).strftime('%Y-%m-%d') if order.executed.dt else None,
                    executedSize=order.executed.size,
                    price=order.executed.price,
                    commission=order.executed.comm,
                )
            )

    def notify_trade(self, trade):
        if not trade.isclosed:
            return
        history_open = trade.dtopen
        self.trades.append(
            dict(
                entryDate=bt.num2date(history_open).strftime('%Y-%m-%d'),
                exitDate=bt.num2date(trade.dtclose).strftime('%Y-%m-%d'),
                side='long' if trade.long else 'short',
                entryPrice=trade.price,
                grossPnl=trade.pnl,
                pnl=trade.pnlcomm,
                commission=trade.commission,
                bars=trade.barlen,
            )
        )


def main():
    cerebro = bt.Cerebro(stdstats=False)
    data = bt.feeds.GenericCSVData(
        dataname=DATA,
        dtformat='%Y-%m-%d',
        datetime=0,
        open=1,
        high=2,
        low=3,
        close=4,
        volume=6,
        openinterest=-1,
    )
    cerebro.adddata(data, name='ORCL')
    cerebro.addstrategy(SmaCrossReversing, fast=SETTINGS['fast'], slow=SETTINGS['slow'], size=SETTINGS['size'])
    cerebro.broker.setcash(SETTINGS['cash'])
    cerebro.broker.setcommission(commission=SETTINGS['commission'])
    strategy = cerebro.run()[0]
    position = cerebro.broker.getposition(data)
    json.dump(
        dict(
            source='backtrader %s; %s' % (bt.__version__, os.path.basename(__file__)),
            settings=SETTINGS,
            finalValue=cerebro.broker.getvalue(),
            finalCash=cerebro.broker.getcash(),
            position=dict(size=position.size, price=position.price),
            trades=strategy.trades,
            orders=strategy.orders,
            values=strategy.values,
        ),
        sys.stdout,
        indent=2,
    )
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
