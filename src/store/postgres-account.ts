import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Whom the embedded server's commands run as: nobody in particular, or the `postgres` account. */
export interface RunAs {
  uid?: number;
  gid?: number;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const numeric = /^\d+$/;

/**
 * A local account's user id and primary group id from a passwd file (what `id -u` and `id -g`
 * print for it), or undefined when the file does not list it: an account from a directory
 * service (NSS) is then asked of `id`. Two `id` processes cost ≈ 20 ms of every embedded start
 * here (each a fork of this process), on the path to the server's start (issue 23).
 */
export function passwdAccount(name: string, file = '/etc/passwd'): RunAs | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [account, , uid, gid] = line.split(':');
    if (account === name && uid !== undefined && gid !== undefined && numeric.test(uid) && numeric.test(gid))
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

let postgresAccount: RunAs | undefined;

/** As root, PostgreSQL runs as the `postgres` user (created when missing); looked up once a process. */
export function postgresUser(): RunAs {
  if (!isRoot) return {};
  postgresAccount ??= passwdAccount('postgres') ?? lookupOrCreate();
  return postgresAccount;
}

function lookupOrCreate(): RunAs {
  const lookup = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: lookup('-u'), gid: lookup('-g') };
  } catch {
    execFileSync('sh', [
      '-c',
      'getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres',
    ]);
    return { uid: lookup('-u'), gid: lookup('-g') };
  }
}
