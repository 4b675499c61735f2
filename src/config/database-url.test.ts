import { describe, expect, it } from 'vitest';
import { maskDatabaseUrl } from './database-url.ts';

describe('maskDatabaseUrl', () => {
  it('hides the password in the authority and in a password= query parameter', () => {
    expect(maskDatabaseUrl('postgres://signet:hunter2@db:5432/signet')).toBe(
      'postgres://signet:*****@db:5432/signet',
    );
    const masked = maskDatabaseUrl('postgres://signet@db/signet?sslmode=require&password=hunter2&PASSWORD=x');
    expect(masked).not.toContain('hunter2');
    expect(masked).not.toMatch(/PASSWORD=x/);
    expect(masked).toContain('sslmode=require');
    expect(maskDatabaseUrl('not a url hunter2')).toBe('<unparseable DATABASE_URL>');
  });
});
