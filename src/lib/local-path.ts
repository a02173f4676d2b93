/**
 * A path on this cell to return to after signing in, or null. Only a path of this origin
 * passes: `//host`, `/\host`, absolute URLs and control characters would send the browser
 * elsewhere or split a header.
 */
export function localPath(value: string | null | undefined): string | null {
  if (!value || value.length > 512 || !value.startsWith('/') || value.includes('\\')) return null;
  if (value.startsWith('//') || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return null;
  return value;
}
