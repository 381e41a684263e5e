// A grpc.health.v1 server for the probe tests, run by the test inside the containerd's network
// namespace (busybox has no gRPC server). Usage: node grpc-health-server.ts PORT
// Service "" answers SERVING, "db" NOT_SERVING, anything else NOT_FOUND. Prints "listening" when up
// and one line per Check ("check <service> <user-agent>").
import * as grpc from "@grpc/grpc-js";
import {
  decodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_PATH,
  type ServingStatus,
} from "../../../probes/handlers/grpc-health-codec.ts";

const port = Number(process.argv[2]);
const statuses = new Map<string, ServingStatus>([
  ["", "SERVING"],
  ["db", "NOT_SERVING"],
]);

const definition: grpc.ServiceDefinition = {
  Check: {
    path: HEALTH_CHECK_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: decodeHealthCheckRequest,
    responseSerialize: encodeHealthCheckResponse,
    responseDeserialize: (b: Buffer) => b,
  },
};
const check: grpc.handleUnaryCall<{ service: string }, { status: ServingStatus }> = (call, cb) => {
  const service = call.request.service;
  console.log(`check ${JSON.stringify(service)} ${String(call.metadata.get("user-agent")[0] ?? "")}`);
  const status = statuses.get(service);
  if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: "unknown service" });
  else cb(null, { status });
};

const server = new grpc.Server();
server.addService(definition, { Check: check });
// All addresses of the test's namespace: a host-network pod's IP is the node's, whatever that is.
server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log("listening");
});
process.on("SIGTERM", () => server.forceShutdown());
