/** Hides the password of a postgres:// URL so the URL can be shown in errors and logs. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: show nothing of it rather than risk printing a password.
    return '<unparseable DATABASE_URL>';
  }
}
