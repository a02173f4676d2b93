import { z } from 'zod';
import { DOMAIN_MODE_INFO, DOMAIN_MODES } from '../domain-modes';
import { SETUP_SERVICE_IDS } from '../services';
import { dnsLabel, domainName, newPassword, providerToken, timezone, username } from './common';

const optionalText = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** Domain mode with the fields that mode needs; shared by the wizard and Settings. */
export const domainFields = z
  .object({
    domainMode: z.enum(DOMAIN_MODES, { error: 'Choose a domain mode' }),
    domain: optionalText(domainName),
    ddnsToken: optionalText(providerToken),
  })
  .superRefine((v, ctx) => {
    const info = DOMAIN_MODE_INFO[v.domainMode];
    if (info.domain === 'required' && !v.domain) {
      ctx.addIssue({ code: 'custom', path: ['domain'], message: `A domain is required for ${info.label}` });
    }
    if (v.domainMode === 'duckdns' && v.domain && !/^[a-z0-9-]+\.duckdns\.org$/.test(v.domain)) {
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'DuckDNS names look like yourname.duckdns.org' });
    }
  });

export const identityStepSchema = z.object({ cellName: dnsLabel });
export const domainStepSchema = domainFields;
export const timezoneStepSchema = z.object({ timezone });
export const adminStepSchema = z
  .object({ adminUsername: username, adminPassword: newPassword, confirmPassword: z.string() })
  .refine((v) => v.adminPassword === v.confirmPassword, {
    path: ['confirmPassword'],
    message: 'Passwords do not match',
  });
export const servicesStepSchema = z.object({
  services: z.array(z.enum(SETUP_SERVICE_IDS)).max(SETUP_SERVICE_IDS.length),
});

/** The header the wizard sends the setup code in (asked of callers from outside the host). */
export const SETUP_CODE_HEADER = 'x-setup-code';

/** What the wizard's first step takes from another machine: the code as install.sh printed it. */
export const setupCodeSchema = z.object({
  setupCode: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$/, 'The setup code looks like ABCD-EFGH-JKMN'),
});

export const SETUP_STEPS = ['identity', 'domain', 'timezone', 'admin', 'services'] as const;
export type SetupStep = (typeof SETUP_STEPS)[number];

export const setupStepSchemas = {
  identity: identityStepSchema,
  domain: domainStepSchema,
  timezone: timezoneStepSchema,
  admin: adminStepSchema,
  services: servicesStepSchema,
} as const;

export const validateStepSchema = z.object({ step: z.enum(SETUP_STEPS), data: z.record(z.string(), z.unknown()) });

/**
 * The whole wizard in one call, so an install can be scripted. A token is required
 * for modes that need one.
 */
export const completeSetupSchema = z
  .object({
    cellName: dnsLabel,
    timezone,
    adminUsername: username,
    adminPassword: newPassword,
    services: z
      .array(z.enum(SETUP_SERVICE_IDS))
      .max(SETUP_SERVICE_IDS.length)
      .default([...SETUP_SERVICE_IDS]),
  })
  .and(domainFields)
  .superRefine((v, ctx) => {
    const info = DOMAIN_MODE_INFO[v.domainMode];
    if (info.token && !v.ddnsToken) {
      ctx.addIssue({ code: 'custom', path: ['ddnsToken'], message: `${info.tokenLabel} is required` });
    }
  });

export type CompleteSetupInput = z.input<typeof completeSetupSchema>;
export type CompleteSetup = z.output<typeof completeSetupSchema>;
