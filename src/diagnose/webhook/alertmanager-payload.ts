// Alertmanager's webhook payload (version 4, https://prometheus.io/docs/alerting/latest/configuration/#webhook_config),
// read loosely: only the fields a diagnosis needs are required, so a newer Alertmanager's extra fields pass.
import { z } from 'zod';

const labels = z.record(z.string(), z.string());

/** One alert of a notification. */
export const webhookAlertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels,
    annotations: labels.optional(),
    startsAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an RFC 3339 time' }),
    endsAt: z.string().optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().optional(),
  })
  .loose();

/** A notification. */
export const webhookPayloadSchema = z
  .object({
    version: z.string().optional(),
    status: z.enum(['firing', 'resolved']).optional(),
    receiver: z.string().optional(),
    alerts: z.array(webhookAlertSchema).max(10_000),
  })
  .loose();

export type WebhookAlert = z.infer<typeof webhookAlertSchema>;
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** A label set as one canonical string (sorted keys): what "the same alert" means across repeat sends. */
export function labelSetKey(l: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(l)
      .sort()
      .map((k) => [k, l[k]]),
  );
}
