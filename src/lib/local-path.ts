/**
 * A path on this cell to return to after signing in, or null. Only a path of this origin
 * passes: `//host`, `/\host` and absolute URLs would send the browser elsewhere.
 */
export function localPath(value: string | null | undefined): string | null {
  if (!value || value.length > 512 || !value.startsWith('/') || /^\/[/\\]/.test(value)) return null;
  if (/[\u0000-\u001f\\]/.test(value)) return null;
  return value;
}
