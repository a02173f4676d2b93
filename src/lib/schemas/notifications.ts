import { z } from 'zod';

export const notificationsInput = z.strictObject({
  /** Null: no notifications. */
  url: z
    .string()
    .trim()
    .max(2048)
    .url('A URL such as https://ntfy.sh/my-cell')
    .refine((u) => /^https?:\/\//i.test(u), 'An http:// or https:// URL')
    .nullable(),
  format: z.enum(['json', 'ntfy']),
});
export type NotificationsInput = z.infer<typeof notificationsInput>;
