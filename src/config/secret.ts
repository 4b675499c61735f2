import { inspect } from 'node:util';
import { ValidationError } from '../errors/index.ts';

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

/** Shortest shared token accepted: a secret an attacker can guess is no secret. */
export const minimumTokenLength = 24;

/** Refuses a token shorter than minimumTokenLength, naming the variable it came from. */
export function checkTokenLength(variable: string, token: Secret): void {
  if (token.reveal().length < minimumTokenLength)
    throw new ValidationError(
      `${variable} is shorter than ${minimumTokenLength} characters`,
      [{ path: variable, message: `at least ${minimumTokenLength} characters` }],
      { fix: `Set ${variable} to a random value, e.g. \`openssl rand -base64 32\`.` },
    );
}
