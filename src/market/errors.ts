import { SignetError } from '../errors/index.ts';

/** A data file or row that cannot be used; names the file, the line and the field. */
export class MarketDataError extends SignetError {
  readonly source: string;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(
    message: string,
    options: { source: string; line?: number; field?: string; fix?: string; cause?: unknown },
  ) {
    super(message, {
      code: 'market_data_invalid',
      fault: 'user',
      fix:
        options.fix ??
        'Correct or remove the named row, or pass --skip-bad-rows to skip bad rows (they are reported).',
      cause: options.cause,
      details: { source: options.source, line: options.line, field: options.field },
    });
    this.source = options.source;
    this.line = options.line;
    this.field = options.field;
  }
}
