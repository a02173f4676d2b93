import { z } from 'zod';

export const addStoreKeySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Required')
    .max(60, 'At most 60 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'Letters, digits, spaces, underscore, hyphen and dot only'),
  pem: z
    .string()
    .trim()
    .max(4096, 'A public key is shorter than that')
    .regex(
      /^-----BEGIN PUBLIC KEY-----\s[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----$/,
      'Paste a PEM public key (cosign.pub)',
    ),
});
export type AddStoreKey = z.output<typeof addStoreKeySchema>;
