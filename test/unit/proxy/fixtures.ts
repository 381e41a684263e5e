// Small builders for proxy unit tests.
import type { EndpointSlice } from "../../../agent/api/endpointslice.ts";
import type { Service } from "../../../agent/api/service.ts";
import { buildServicePorts, type ServicePortInfo } from "../../../proxy/model.ts";

export const NODE = "node-a";

export function svc(name: string, spec: Partial<Service["spec"]> = {}, status?: Service["status"]): Service {
  return {
    metadata: { name, namespace: "default" },
    spec: { clusterIP: "10.96.0.10", ports: [{ port: 80, targetPort: 8080 }], ...spec },
    ...(status ? { status } : {}),
  };
}

export interface Ep {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

export function slice(
  service: string,
  eps: (string | Ep)[],
  port = 8080,
  protocol: "TCP" | "UDP" = "TCP",
): EndpointSlice {
  return {
    metadata: {
      name: `${service}-abc`,
      namespace: "default",
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    endpoints: eps.map((e) => {
      const ep = typeof e === "string" ? { ip: e } : e;
      return {
        addresses: [ep.ip],
        conditions: {
          ready: ep.ready ?? true,
          serving: ep.serving ?? ep.ready ?? true,
          terminating: ep.terminating ?? false,
        },
        nodeName: ep.node ?? NODE,
      };
    }),
    ports: [{ name: "", port, protocol }],
  };
}

export function ports(service: Service, eps: (string | Ep)[] = [], port = 8080): ServicePortInfo[] {
  const proto = service.spec.ports?.[0]?.protocol ?? "TCP";
  return buildServicePorts(
    service,
    [slice(service.metadata.name!, eps, port, proto === "SCTP" ? "TCP" : proto)],
    NODE,
  );
}
