/** Messages per field, keyed by the field's path ("allowedIps.1"); "_form" for the input as a whole. */
export type FieldErrors = Record<string, string[]>;

type Issue = { path?: readonly (PropertyKey | { key: PropertyKey })[]; message: string };

/**
 * Per-field messages from validation issues (zod's, or any Standard Schema's). The server
 * sends these with a refused call; a form computes the same ones before it sends anything.
 */
export function issuesToFieldErrors(issues: readonly Issue[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const key =
      (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.') || '_form';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Checks input in the browser with the router's own schema: null when it passes. */
export function localFieldErrors(
  schema: { safeParse: (v: unknown) => { success: boolean; error?: { issues: readonly Issue[] } } },
  value: unknown,
): FieldErrors | null {
  const result = schema.safeParse(value);
  return result.success ? null : issuesToFieldErrors(result.error?.issues ?? []);
}

/**
 * Every message for a list field and its items ("allowedIps", "allowedIps.2", "sources.1.host"),
 * each item's naming its line.
 */
export function listFieldErrors(errors: FieldErrors, field: string): string[] | undefined {
  const messages = Object.entries(errors).flatMap(([key, msgs]) => {
    if (key === field) return msgs;
    if (!key.startsWith(`${field}.`)) return [];
    const index = /^(\d+)(\.|$)/.exec(key.slice(field.length + 1))?.[1];
    return index === undefined ? [] : msgs.map((m) => `Line ${Number(index) + 1}: ${m}`);
  });
  return messages.length ? messages : undefined;
}
