// What the numbers were measured on: printed at the top of every run, since a two-core shared machine and a
// workstation give very different absolute figures.
import os from 'node:os';

export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `${cpus.length} cores (${model}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, node ${process.version}, load average ${load}`;
}
