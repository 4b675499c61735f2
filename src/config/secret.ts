import { inspect } from 'node:util';

/**
 * A secret read from the environment. It prints as "[redacted]" through every path a value
 * can take to a log, a journal or the bus (toString, JSON, util.inspect); only `reveal()`
 * returns the value, so each use of the plain text is a deliberate, greppable call.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
