// ClusterIP and NodePort allocation for standalone Service manifests: addresses in a manifest must
// lie in the service range; missing ones are picked deterministically (hash of namespace/name,
// linear probing on collision) and kept for as long as the Service exists.
import type { Service } from "../agent/api/service.ts";
import { hash32 } from "./hash.ts";
import { type Cidr, cidrContains, cidrSize, formatIPv4, parseCidr, parseIPv4 } from "./ipv4.ts";
import type { FieldError } from "./validate.ts";

export interface AllocatorOptions {
  serviceCIDR: string;
  nodePortRange?: { min: number; max: number };
}

export class ServiceAllocator {
  #range: Cidr;
  #ports: { min: number; max: number };
  #ipOwner = new Map<number, string>();
  #portOwner = new Map<string, string>();
  #held = new Map<string, { ips: number[]; ports: string[] }>();

  constructor(opts: AllocatorOptions) {
    const range = parseCidr(opts.serviceCIDR);
    if (!range || range.prefix > 30) throw new Error(`invalid service CIDR ${opts.serviceCIDR}`);
    this.#range = range;
    this.#ports = opts.nodePortRange ?? { min: 30000, max: 32767 };
  }

  /**
   * Returns a copy of `svc` with clusterIP(s) and nodePorts filled in, or the errors that make it
   * unusable (address outside the range, address or port already taken by another Service).
   * Calling it again for the same Service keeps the previous allocations.
   */
  assign(svc: Service): { service?: Service; errors: FieldError[] } {
    const key = `${svc.metadata.namespace ?? "default"}/${svc.metadata.name}`;
    const previous = this.#held.get(key);
    this.release(key);
    const errors: FieldError[] = [];
    const out: Service = structuredClone(svc);
    out.metadata.namespace ??= "default";
    const spec = out.spec;
    const type = spec.type ?? "ClusterIP";
    const ips: number[] = [];
    const ports: string[] = [];
    if (type !== "ExternalName" && spec.clusterIP !== "None") {
      const wanted = spec.clusterIP || spec.clusterIPs?.[0];
      if (wanted) {
        const ip = parseIPv4(wanted)!;
        if (!cidrContains(this.#range, ip))
          errors.push({ path: "spec.clusterIP", message: `${wanted} is not in ${this.#range.text}` });
        else if (this.#ipOwner.has(ip))
          errors.push({
            path: "spec.clusterIP",
            message: `${wanted} is already used by ${this.#ipOwner.get(ip)}`,
          });
        else ips.push(ip);
      } else {
        const reuse = previous?.ips[0];
        const ip = reuse !== undefined && !this.#ipOwner.has(reuse) ? reuse : this.#pickIP(key);
        if (ip === null) errors.push({ path: "spec.clusterIP", message: "service range is full" });
        else ips.push(ip);
      }
      if (ips[0] !== undefined) {
        spec.clusterIP = formatIPv4(ips[0]);
        spec.clusterIPs = [spec.clusterIP];
      }
    }
    if (type === "NodePort" || type === "LoadBalancer") {
      (spec.ports ?? []).forEach((p, i) => {
        const proto = p.protocol ?? "TCP";
        if (p.nodePort) {
          const k = `${proto}/${p.nodePort}`;
          const owner = this.#portOwner.get(k);
          if (owner || ports.includes(k))
            errors.push({
              path: `spec.ports[${i}].nodePort`,
              message: `${k} is already used by ${owner ?? key}`,
            });
          else ports.push(k);
        } else {
          const reuse = previous?.ports.find((k) => k.startsWith(`${proto}/`) && !ports.includes(k));
          const k =
            reuse && !this.#portOwner.has(reuse)
              ? reuse
              : this.#pickPort(`${key}:${p.name ?? ""}`, proto, ports);
          if (k === null)
            errors.push({ path: `spec.ports[${i}].nodePort`, message: "node port range is full" });
          else {
            ports.push(k);
            p.nodePort = Number(k.split("/")[1]);
          }
        }
      });
    }
    if (errors.length > 0) return { errors };
    for (const ip of ips) this.#ipOwner.set(ip, key);
    for (const k of ports) this.#portOwner.set(k, key);
    this.#held.set(key, { ips, ports });
    return { service: out, errors };
  }

  release(key: string): void {
    const held = this.#held.get(key);
    if (!held) return;
    for (const ip of held.ips) this.#ipOwner.delete(ip);
    for (const p of held.ports) this.#portOwner.delete(p);
    this.#held.delete(key);
  }

  #pickIP(key: string): number | null {
    // Skip the network address, the first address (the `kubernetes` Service by convention) and broadcast.
    const usable = cidrSize(this.#range) - 3;
    const start = hash32(key) % usable;
    for (let i = 0; i < usable; i++) {
      const ip = this.#range.base + 2 + ((start + i) % usable);
      if (!this.#ipOwner.has(ip)) return ip;
    }
    return null;
  }

  #pickPort(key: string, proto: string, taken: string[]): string | null {
    const size = this.#ports.max - this.#ports.min + 1;
    const start = hash32(key) % size;
    for (let i = 0; i < size; i++) {
      const k = `${proto}/${this.#ports.min + ((start + i) % size)}`;
      if (!this.#portOwner.has(k) && !taken.includes(k)) return k;
    }
    return null;
  }
}
