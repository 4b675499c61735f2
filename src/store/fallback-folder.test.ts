import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkableTempDir } from '../../test/support/temp.ts';
import { untrustedReason } from './embedded.ts';

// As root, the embedded database falls back to /var/tmp/signet-pg*: a folder every local user
// can create things in first. What is found there is trusted only when it is ours.
describe("the embedded database's fallback folder", () => {
  const root = walkableTempDir(path.join(tmpdir(), 'signet-fallback-'));
  const me = process.getuid?.() ?? 0;

  it('trusts a missing path or one of ours closed to others, nothing else', () => {
    expect(untrustedReason(path.join(root, 'absent'), [me])).toBeNull();
    const ours = path.join(root, 'ours');
    mkdirSync(ours, { mode: 0o755 });
    chmodSync(ours, 0o755);
    expect(untrustedReason(ours, [me])).toBeNull();
    // Someone else's (here: an owner list without us stands for another uid).
    expect(untrustedReason(ours, [me + 1])).toMatch(/is owned by uid \d+, not/);
    const open = path.join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(untrustedReason(open, [me])).toMatch(/open to group or others \(mode 777\)/);
    const link = path.join(root, 'link');
    symlinkSync(ours, link);
    expect(untrustedReason(link, [me])).toMatch(/is a symbolic link/);
    // A password file readable by others is no secret.
    const credentials = path.join(root, 'pg.credentials.json');
    writeFileSync(credentials, '{}', { mode: 0o644 });
    chmodSync(credentials, 0o644);
    expect(untrustedReason(credentials, [me], true)).toMatch(/mode 644/);
    chmodSync(credentials, 0o600);
    expect(untrustedReason(credentials, [me], true)).toBeNull();
  });
});
