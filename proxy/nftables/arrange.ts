// Keeps endpoint positions stable across syncs: an endpoint keeps its bucket index for as long as
// it exists, so a changed endpoint rewrites one map element instead of shifting all of them.
import type { EndpointInfo, ServicePortInfo } from "../model.ts";

const epId = (e: EndpointInfo) => `${e.ip}:${e.port}`;

/** `next`'s endpoints reordered to keep the positions they had in `prev`; holes are filled by newcomers, then compacted from the end. */
export function arrangeEndpoints(prev: EndpointInfo[], next: EndpointInfo[]): EndpointInfo[] {
  const byId = new Map(next.map((e) => [epId(e), e]));
  const slots: (EndpointInfo | undefined)[] = prev.map((e) => byId.get(epId(e)));
  const kept = new Set(prev.map(epId));
  const added = next.filter((e) => !kept.has(epId(e)));
  for (let i = 0; i < slots.length && added.length > 0; i++) if (!slots[i]) slots[i] = added.shift();
  slots.push(...added);
  for (let hole = slots.indexOf(undefined); hole >= 0; hole = slots.indexOf(undefined)) {
    let last = slots.length - 1;
    while (last > hole && !slots[last]) last--;
    slots[hole] = slots[last];
    slots.length = last;
  }
  return slots as EndpointInfo[];
}

export function arrangeService(
  prev: ServicePortInfo[] | undefined,
  next: ServicePortInfo[],
): ServicePortInfo[] {
  if (!prev) return next;
  const prevById = new Map(prev.map((sp) => [sp.id, sp]));
  return next.map((sp) => {
    const old = prevById.get(sp.id);
    return old ? { ...sp, endpoints: arrangeEndpoints(old.endpoints, sp.endpoints) } : sp;
  });
}
