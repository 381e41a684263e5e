// The raw generated CRI clients on one channel, and a promise wrapper for unary calls. Shared by
// GrpcRuntime and the benchmark's "raw CRI" floor so both pay the same loading and call costs.
import * as grpc from "@grpc/grpc-js";
import { toRuntimeError } from "./errors.ts";
import { loadCriPackageDefinition, resolveCriProtoPath } from "./proto.ts";

export type UnaryCallback = (err: grpc.ServiceError | null, response?: unknown) => void;
export type UnaryMethod = (
  request: object,
  options: grpc.CallOptions,
  callback: UnaryCallback,
) => grpc.ClientUnaryCall;

export interface RuntimeServiceClient extends grpc.Client {
  Version: UnaryMethod;
  Status: UnaryMethod;
  RunPodSandbox: UnaryMethod;
  StopPodSandbox: UnaryMethod;
  RemovePodSandbox: UnaryMethod;
  PodSandboxStatus: UnaryMethod;
  ListPodSandbox: UnaryMethod;
  CreateContainer: UnaryMethod;
  StartContainer: UnaryMethod;
  StopContainer: UnaryMethod;
  RemoveContainer: UnaryMethod;
  ListContainers: UnaryMethod;
  ContainerStatus: UnaryMethod;
  UpdateContainerResources: UnaryMethod;
  ExecSync: UnaryMethod;
  Exec: UnaryMethod;
  Attach: UnaryMethod;
  PortForward: UnaryMethod;
  ListContainerStats: UnaryMethod;
}

export interface ImageServiceClient extends grpc.Client {
  ListImages: UnaryMethod;
  ImageStatus: UnaryMethod;
  PullImage: UnaryMethod;
  RemoveImage: UnaryMethod;
  ImageFsInfo: UnaryMethod;
}

export interface CriClients {
  runtime: RuntimeServiceClient;
  image: ImageServiceClient;
  /** The unix socket target, e.g. "unix:///run/containerd/containerd.sock". */
  target: string;
  close(): void;
}

export interface LoadCriClientsOptions {
  /** Path of api.proto; default: NODELET_CRI_PROTO or the path recorded by setup. */
  protoPath?: string;
}

/** Accepts "unix:///abs.sock" or a bare absolute socket path. */
export function toGrpcTarget(endpoint: string): string {
  if (endpoint.startsWith("unix://")) return endpoint;
  if (endpoint.startsWith("/")) return `unix://${endpoint}`;
  throw new Error(`unsupported CRI endpoint "${endpoint}": expected unix:///path/to.sock`);
}

const channelOptions: grpc.ChannelOptions = {
  // ExecSync returns the whole output in one message.
  "grpc.max_receive_message_length": 16 * 1024 * 1024,
  "grpc.max_send_message_length": 16 * 1024 * 1024,
  // A local socket: after a runtime restart, reconnect within a second or so instead of backing
  // off towards grpc's default 2 minutes (calls fail fast with UNAVAILABLE meanwhile).
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 1000,
};

export async function loadCriClients(
  endpoint: string,
  options: LoadCriClientsOptions = {},
): Promise<CriClients> {
  const target = toGrpcTarget(endpoint);
  const definition = await loadCriPackageDefinition(options.protoPath ?? (await resolveCriProtoPath()));
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: {
      v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor };
    };
  };
  const { RuntimeService, ImageService } = pkg.runtime.v1;
  const credentials = grpc.credentials.createInsecure();
  const runtime = new RuntimeService(target, credentials, channelOptions) as unknown as RuntimeServiceClient;
  const image = new ImageService(target, credentials, {
    ...channelOptions,
    channelOverride: runtime.getChannel(),
  }) as unknown as ImageServiceClient;
  return {
    runtime,
    image,
    target,
    close: () => runtime.close(),
  };
}

/** One unary call as a promise; failures become RuntimeError naming the method. 0 ms = no deadline. */
export function callUnary<Res>(
  client: grpc.Client,
  method: string,
  request: object,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
    if (!fn) {
      reject(new Error(`CRI ${method}: no such method in the loaded api.proto`));
      return;
    }
    const options: grpc.CallOptions = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
    fn.call(client, request, options, (err, response) => {
      if (err) reject(toRuntimeError(method, err));
      else resolve(response as Res);
    });
  });
}
