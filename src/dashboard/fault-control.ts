// The incident buttons' way to the simulator: only the fault API (/admin/faults) of the simulated replicas the
// dashboard was given, only the presets it was given (a button sends a preset's id, never a fault body), and only
// through the request function it was given (the gateway's own client to that replica). Nothing else of a replica
// is reachable from the page.

/** One button: a fault the simulator takes, ready to send. */
export interface FaultButton {
  /** Sent by the page; the fault type. */
  readonly id: string;
  readonly label: string;
  /** The body POST /admin/faults takes. */
  readonly fault: unknown;
}

/** A fault as the simulator lists it. */
export interface ActiveFault {
  readonly id: string;
  readonly state: string;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** An answer from a replica's fault API. */
export interface FaultApiAnswer {
  readonly status: number;
  readonly body: string;
}

/** Options of {@link FaultControl}. */
export interface FaultControlOptions {
  /** The simulated replicas with their fault API on, by name. */
  readonly replicas: readonly string[];
  readonly buttons: readonly FaultButton[];
  /** Sends one request to a replica's fault API (path `/admin/faults` or `/admin/faults/<id>`). */
  readonly request: (
    replica: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: string,
  ) => Promise<FaultApiAnswer>;
}

/** A fault request the control refuses or the simulator did not take; `status` is what the page gets. */
export class FaultControlError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'FaultControlError';
    this.status = status;
    this.code = code;
  }
}

const FAULT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Incident buttons for simulated replicas.
 *
 * @example const faults = new FaultControl({ replicas: ['sim'], buttons, request }); await faults.inject('sim', 'stall');
 */
export class FaultControl {
  readonly replicas: readonly string[];
  readonly buttons: readonly FaultButton[];
  readonly #request: FaultControlOptions['request'];

  constructor(options: FaultControlOptions) {
    this.replicas = options.replicas;
    this.buttons = options.buttons;
    this.#request = options.request;
  }

  #replica(name: unknown): string {
    if (typeof name !== 'string' || !this.replicas.includes(name))
      throw new FaultControlError(400, 'invalid_replica', `"replica" must be one of: ${this.replicas.join(', ')}.`);
    return name;
  }

  async #call(replica: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<unknown> {
    let answer: FaultApiAnswer;
    try {
      answer = await this.#request(replica, method, path, body);
    } catch (err) {
      throw new FaultControlError(
        502,
        'fault_api_unavailable',
        `The fault API of ${replica} did not answer: ${(err as Error).message}`,
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(answer.body);
    } catch {
      doc = undefined;
    }
    if (answer.status === 404 && method === 'DELETE')
      throw new FaultControlError(404, 'fault_not_found', `${replica} has no fault with that id (it may have ended).`);
    if (answer.status < 200 || answer.status >= 300) {
      const message = (doc as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${answer.status}`;
      throw new FaultControlError(502, 'fault_api_error', `The fault API of ${replica} refused: ${message}`);
    }
    return doc;
  }

  /** Every replica's faults, active and scheduled; a replica that cannot be asked says why. */
  async list(): Promise<{ replica: string; faults: ActiveFault[]; error?: string }[]> {
    return Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const doc = (await this.#call(replica, 'GET', '/admin/faults')) as { faults?: ActiveFault[] };
          return { replica, faults: Array.isArray(doc?.faults) ? doc.faults : [] };
        } catch (err) {
          return { replica, faults: [], error: (err as Error).message };
        }
      }),
    );
  }

  /** Injects the fault of button `id` into `replica`. */
  async inject(replica: unknown, id: unknown): Promise<void> {
    const name = this.#replica(replica);
    const button = this.buttons.find((b) => b.id === id);
    if (button === undefined)
      throw new FaultControlError(
        400,
        'invalid_fault',
        `"fault" must be one of: ${this.buttons.map((b) => b.id).join(', ')}.`,
      );
    await this.#call(name, 'POST', '/admin/faults', JSON.stringify(button.fault));
  }

  /** Ends fault `faultId` on `replica`. */
  async cancel(replica: unknown, faultId: unknown): Promise<void> {
    const name = this.#replica(replica);
    if (typeof faultId !== 'string' || !FAULT_ID.test(faultId))
      throw new FaultControlError(
        400,
        'invalid_fault_id',
        '"id" must be a fault id as the list gives it (letters, digits, - and _).',
      );
    await this.#call(name, 'DELETE', `/admin/faults/${faultId}`);
  }
}
