import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.ts';
import { serviceDatabase, serviceEnvironment } from './service-environment.ts';

const token = 'o'.repeat(32);
const names = (list: Array<{ name: string }>) => list.map((each) => each.name).sort();

describe('the services’ environment files', () => {
  it('give the brain its keys and the watchdog its own credentials only', () => {
    const env = {
      DATABASE_URL: 'postgres://brain@127.0.0.1/db',
      SIGNET_OPERATOR_TOKEN: token,
      APCA_API_KEY_ID: 'brain-id',
      APCA_API_SECRET_KEY: 'brain-secret',
      ANTHROPIC_API_KEY: 'sk-ant',
      OPENAI_API_KEY: 'not configured: not written',
      SIGNET_WATCHDOG_APCA_API_KEY_ID: 'wd-id',
      SIGNET_WATCHDOG_APCA_API_SECRET_KEY: 'wd-secret',
      SIGNET_WATCHDOG_DATABASE_URL: 'postgres://watchdog@127.0.0.1/db',
      HOME: '/home/ops',
    };
    const config = loadConfig({
      cwd: '/nonexistent',
      env,
      overrides: {
        broker: { kind: 'alpaca' },
        llm: { routes: [{ name: 'claude', kind: 'anthropic', model: 'claude-x' }] },
      } as never,
    });
    expect(names(serviceEnvironment(config, 'brain', env))).toEqual([
      'ANTHROPIC_API_KEY',
      'APCA_API_KEY_ID',
      'APCA_API_SECRET_KEY',
      'DATABASE_URL',
      'SIGNET_OPERATOR_TOKEN',
    ]);
    expect(names(serviceEnvironment(config, 'watchdog', env))).toEqual([
      'SIGNET_WATCHDOG_APCA_API_KEY_ID',
      'SIGNET_WATCHDOG_APCA_API_SECRET_KEY',
      'SIGNET_WATCHDOG_DATABASE_URL',
    ]);
    // Without its own, the watchdog gets the brain's database and venue keys, never the LLM key or token.
    const shared = {
      ...env,
      SIGNET_WATCHDOG_APCA_API_KEY_ID: '',
      SIGNET_WATCHDOG_APCA_API_SECRET_KEY: '',
      SIGNET_WATCHDOG_DATABASE_URL: '',
    };
    expect(names(serviceEnvironment(config, 'watchdog', shared))).toEqual([
      'APCA_API_KEY_ID',
      'APCA_API_SECRET_KEY',
      'DATABASE_URL',
    ]);
  });

  it('tell a local database from a remote one and from the embedded one', () => {
    expect(serviceDatabase('brain', {})).toBe('embedded');
    expect(serviceDatabase('brain', { DATABASE_URL: 'postgres://u@localhost/db' })).toBe('local');
    expect(serviceDatabase('brain', { DATABASE_URL: 'postgres://u@[::1]:5432/db' })).toBe('local');
    expect(serviceDatabase('brain', { DATABASE_URL: 'postgres://u@/db?host=/var/run/postgresql' })).toBe(
      'local',
    );
    expect(serviceDatabase('brain', { DATABASE_URL: 'postgres://u@db.example.com/db' })).toBe('remote');
    expect(
      serviceDatabase('watchdog', {
        DATABASE_URL: 'postgres://u@127.0.0.1/db',
        SIGNET_WATCHDOG_DATABASE_URL: 'postgres://u@10.0.0.5/db',
      }),
    ).toBe('remote');
  });
});
