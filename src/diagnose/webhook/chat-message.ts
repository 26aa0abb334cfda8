// The diagnosis as a Slack-compatible chat message (`{"text": ...}` with Slack's mrkdwn, which Mattermost and
// Rocket.Chat incoming webhooks also take): the alert, the verdict with its figures, what else is supported, the
// first thing to do, and the link to the full diagnosis.
import type { DiagnosisReport } from '../report.js';

/** Slack's limit for a message's text is 40k characters; a diagnosis summary stays far below. */
const MAX_TEXT = 3000;

/** A chat message for a finished diagnosis (or a failed one, with its error). */
export function chatMessage(
  alert: { name: string; labels: Readonly<Record<string, string>> },
  outcome: { report: DiagnosisReport } | { error: string },
  link: string,
): { text: string } {
  const where = [alert.labels.model, alert.labels.replica].filter(Boolean).join(', ');
  const head = `*inferwatch diagnosis of ${alert.name}*${where ? ` (${where})` : ''}`;
  if ('error' in outcome) return { text: `${head}\nThe diagnosis failed: ${outcome.error}\n<${link}|details>` };
  const r = outcome.report;
  const supported = r.hypotheses.filter((h) => h.verdict === 'supported');
  const top = supported[0];
  const lines = [head];
  if (top) {
    lines.push(`*${top.title}*${top.subject?.replica ? ` on ${top.subject.replica}` : ''}`);
    for (const l of top.links.filter((x) => x.role === 'required')) lines.push(`• ${l.detail}`);
    if (supported.length > 1)
      lines.push(
        `Also supported: ${supported
          .slice(1)
          .map((h) => h.title)
          .join('; ')}`,
      );
    if (top.next[0]) lines.push(`Next: ${top.next[0]}`);
  } else {
    lines.push(r.verdict.text);
  }
  const noData = r.hypotheses.filter((h) => h.verdict === 'no_data');
  if (noData.length > 0) lines.push(`No data for: ${noData.map((h) => h.title).join('; ')}`);
  lines.push(`<${link}|Full diagnosis> (window ${r.window.seconds} s to ${r.at})`);
  const text = lines.join('\n');
  return { text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text };
}
