/**
 * Defence in depth for every config renderer: values were validated by zod on the way
 * in, and are checked again here against what the target file can safely hold, so a
 * hostile name can never inject a directive.
 */
export class RenderError extends Error {}

/** Comments carry names for people reading the file; anything outside a safe alphabet becomes `?`. */
export function safeComment(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.,:()@/+=-]/g, '?').slice(0, 200);
}

/** The value itself when it matches the rule; otherwise the render stops. */
export function checked(value: string | number, rule: RegExp, what: string): string {
  const s = String(value);
  if (!rule.test(s))
    throw new RenderError(`refusing to render ${what}: ${JSON.stringify(s).slice(0, 80)} is not a valid value`);
  return s;
}

export const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
export const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;
export const IP = new RegExp(`${IPV4.source}|${IPV6.source}`);
export const CIDR = /^[0-9a-fA-F.:]+\/\d{1,3}$/;
/** A host name or FQDN (letters, digits, hyphens, dots; optional final dot). */
export const HOSTNAME =
  /^(?=.{1,254}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;
