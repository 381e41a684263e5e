// coordination.k8s.io/v1 Lease, as the node heartbeat uses it.
import type { ObjectMeta } from "./meta.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime: RFC 3339 with microseconds, "2006-01-02T15:04:05.000000Z". */
  renewTime?: string;
  acquireTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: LeaseSpec;
}
