/**
 * Hides the password of a postgres:// URL so the URL can be shown in errors and logs: the one
 * in the authority and any `password=` query parameter (libpq accepts both).
 */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    for (const key of [...parsed.searchParams.keys()])
      if (/^(password|sslpassword|passfile)$/i.test(key)) parsed.searchParams.set(key, '*****');
    return parsed.toString();
  } catch {
    // Not a URL we can parse: show nothing of it rather than risk printing a password.
    return '<unparseable DATABASE_URL>';
  }
}
