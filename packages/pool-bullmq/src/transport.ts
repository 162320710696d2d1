/** The `Transport` of BullmqPool: its workers are slots of jobs on a fleet (see slot.ts). */
import type { Transport, TransportHost, WorkerEvents, WorkerHandle } from '@mpool/pool-core';
import type { FleetClient } from './fleet-client.js';
import { Slot } from './slot.js';

export class BullmqTransport implements Transport {
  readonly name = 'bullmq';

  /** `dedicated`: every slot gets fleet processes of its own (a pool with an initializer or maxTasksPerChild). */
  constructor(
    private readonly fleet: FleetClient,
    private readonly dedicated: () => boolean,
  ) {}

  bind(host: TransportHost): void {
    this.fleet.bind(host);
  }

  spawn(events: WorkerEvents): WorkerHandle {
    return new Slot(this.fleet, events, this.dedicated());
  }
}
