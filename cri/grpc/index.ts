// Public surface of the CRI v1 gRPC runtime.
export {
  type CriClients,
  callUnary,
  type ImageServiceClient,
  type LoadCriClientsOptions,
  loadCriClients,
  type RuntimeServiceClient,
  toGrpcTarget,
} from "./clients.ts";
export {
  type CallTimeouts,
  defaultCallTimeouts,
  GrpcRuntime,
  type GrpcRuntimeOptions,
} from "./grpc-runtime.ts";
export { loadCriPackageDefinition, resolveCriProtoPath } from "./proto.ts";
