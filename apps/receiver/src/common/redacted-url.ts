/** Query parameters that may carry a secret (`?password=`, `?sslpassword=`, `?api_key=`, `?token=`). */
const SECRET_PARAMETER = /pass|secret|token|key/i;

/**
 * A URL (of any scheme) or configuration value as it may be printed or
 * logged: the password replaced by `***`, and so are query parameters that
 * look like secrets. A value that does not parse as a URL with a host keeps
 * nothing before its last `@` (where a password would be). Every path that
 * prints a database or forward URL goes through this function.
 * @example redactedUrl('mysql://u:s3cret@h/db') // 'mysql://u:***@h/db'
 */
export function redactedUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url !== undefined && url.host !== '') {
    if (url.password !== '') url.password = '***';
    for (const name of new Set(url.searchParams.keys())) if (SECRET_PARAMETER.test(name)) url.searchParams.set(name, '***');
    return url.toString();
  }
  const at = text.lastIndexOf('@');
  const masked = at === -1 ? text : `${/^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? ''}***${text.slice(at)}`;
  return masked.replace(/((?:pass|secret|token|key)[a-z_]*=)[^&\s]*/gi, '$1***');
}
